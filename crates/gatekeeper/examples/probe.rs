fn main() {
    let mut e = regorus::Engine::new();
    e.set_rego_v0(true);
    let src = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(src).unwrap();
    match e.add_policy("p.rego".into(), text) {
        Ok(p) => println!("pkg {p}"),
        Err(err) => { println!("parse error: {err}"); return; }
    }
    e.set_input(regorus::Value::from_json_str(r#"{"a": [1,2], "f": 1.5, "s": ["x"], "o": {"k": "v"}}"#).unwrap());
    for q in std::env::args().skip(2) {
        println!("{q} => {:?}", e.eval_rule(q.clone()).map(|v| v.to_json_str().unwrap()));
    }
}
