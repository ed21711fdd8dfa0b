//! The shapes most flag checks take: a boolean that must (not) be on (profiling among them), flags
//! that must be set, flags that must not be set, an address that must be loopback

use super::flags::{Component, Flag, Invocation, invocations, is_loopback_address};
use palisade_engine::CheckCtx;
use palisade_model::Resource;

/// `--a`, `--b` and `--c`
pub(crate) fn flag_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`--{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Report a boolean flag whose effective value is `bad`: set explicitly (pointing at the flag),
/// or absent when the component's `default` is `bad` (pointing at the command line).
/// `problem` completes the sentence "<component> <problem>".
pub(crate) fn bool_flag(
    ctx: &mut CheckCtx<'_>,
    res: &Resource,
    component: Component,
    name: &str,
    default: bool,
    bad: bool,
    problem: &str,
) {
    for inv in invocations(res, component) {
        bool_flag_of(ctx, res, &inv, name, default, bad, problem);
    }
}

/// [`bool_flag`] for one invocation
pub(crate) fn bool_flag_of(
    ctx: &mut CheckCtx<'_>,
    res: &Resource,
    inv: &Invocation<'_>,
    name: &str,
    default: bool,
    bad: bool,
    problem: &str,
) {
    match inv.flags.get(name) {
        Some(flag) if flag.bool_value() == Some(bad) => ctx.report(
            res,
            &flag.pointer,
            format!("{} {problem}: `{}`", inv.who(), flag.shown()),
        ),
        Some(_) => {}
        None if default == bad => ctx.report(
            res,
            &inv.anchor,
            format!(
                "{} {problem}: `--{name}` is not set and defaults to `{default}`",
                inv.who()
            ),
        ),
        None => {}
    }
}

/// Report a component whose `--profiling` is on, explicitly or by its default (`true`)
pub(crate) fn profiling_of(ctx: &mut CheckCtx<'_>, res: &Resource, inv: &Invocation<'_>) {
    bool_flag_of(
        ctx,
        res,
        inv,
        "profiling",
        true,
        true,
        "exposes profiling endpoints",
    );
}

/// Report flags that must be set with a value: one finding listing the absent ones (at the
/// command line), and one per flag given with an empty value (at the flag).
/// `consequence` ends the message.
pub(crate) fn require_flags(
    ctx: &mut CheckCtx<'_>,
    res: &Resource,
    component: Component,
    names: &[&str],
    consequence: &str,
) {
    for inv in invocations(res, component) {
        require_flags_of(ctx, res, &inv, names, consequence);
    }
}

/// [`require_flags`] for one invocation
pub(crate) fn require_flags_of(
    ctx: &mut CheckCtx<'_>,
    res: &Resource,
    inv: &Invocation<'_>,
    names: &[&str],
    consequence: &str,
) {
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !inv.flags.has(n))
        .collect();
    if !missing.is_empty() {
        ctx.report(
            res,
            &inv.anchor,
            format!(
                "{} does not set {}; {consequence}",
                inv.who(),
                flag_list(&missing)
            ),
        );
    }
    for name in names {
        if let Some(flag) = inv.flags.get(name).filter(|_| !inv.flags.is_set(name)) {
            ctx.report(
                res,
                &flag.pointer,
                format!(
                    "{} sets `--{name}` to an empty value; {consequence}",
                    inv.who()
                ),
            );
        }
    }
}

/// Report a flag that must not be given (with a non-empty value)
pub(crate) fn forbid_flag(
    ctx: &mut CheckCtx<'_>,
    res: &Resource,
    component: Component,
    name: &str,
    problem: &str,
) {
    for inv in invocations(res, component) {
        if let Some(flag) = inv.flags.get(name).filter(|_| inv.flags.is_set(name)) {
            ctx.report(
                res,
                &flag.pointer,
                format!("{} {problem}: `{}`", inv.who(), flag.shown()),
            );
        }
    }
}

/// Report a `--bind-address` that is not loopback; the flag's default (`0.0.0.0`, every
/// interface) counts as not loopback
pub(crate) fn loopback_bind_address(ctx: &mut CheckCtx<'_>, res: &Resource, component: Component) {
    for inv in invocations(res, component) {
        match inv.flags.get("bind-address") {
            Some(flag) => {
                let address = flag.value().unwrap_or_default();
                if !is_loopback_address(address) {
                    ctx.report(
                        res,
                        &flag.pointer,
                        format!(
                            "{} serves its metrics and profiling endpoints beyond localhost: `{}`",
                            inv.who(),
                            Flag::shown(flag)
                        ),
                    );
                }
            }
            None => ctx.report(
                res,
                &inv.anchor,
                format!(
                    "{} does not set `--bind-address`, so it listens on every interface (`0.0.0.0`)",
                    inv.who()
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_flags_in_prose() {
        assert_eq!(flag_list(&["a"]), "`--a`");
        assert_eq!(flag_list(&["a", "b"]), "`--a` and `--b`");
        assert_eq!(flag_list(&["a", "b", "c"]), "`--a`, `--b` and `--c`");
    }
}
