fn main() {
    for p in std::env::args().skip(1) {
        println!("{p}: {:?}", palisade_gatekeeper::read_documents(std::path::Path::new(&p)).map(|d| d.len()));
    }
}
