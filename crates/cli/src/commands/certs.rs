//! `palisade certs`: a CA and a serving certificate for the webhook Service

use crate::args::CertsArgs;
use anyhow::Result;

/// Write `ca.crt`, `tls.crt`, `tls.key`; print the `caBundle` (base64 of `ca.crt`) on stdout
pub fn run(args: &CertsArgs) -> Result<u8> {
    let generated = palisade_server::certs::write_all(&args.dns, &args.out, args.days)?;
    eprintln!(
        "wrote {}, {} and {} (valid {} days for {})",
        generated.ca_cert.display(),
        generated.tls_cert.display(),
        generated.tls_key.display(),
        args.days,
        args.dns.join(", ")
    );
    eprintln!("caBundle for the webhook configurations' clientConfig:");
    println!("{}", generated.ca_bundle);
    Ok(0)
}
