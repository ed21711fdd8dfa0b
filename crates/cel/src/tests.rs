//! Unit tests: every library function, the semantic traps, budgets, compile errors.

use super::*;
use serde_json::{Value, json};
use std::time::Duration;

fn decls() -> Declarations {
    Declarations {
        roots: ["object", "oldObject", "request", "params", "authorizer"]
            .map(String::from)
            .to_vec(),
        variables: vec![],
        typed_request: true,
    }
}

fn object() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web", "tier": "front"}},
        "spec": {
            "containers": [
                {"name": "a", "image": "nginx:1.25", "resources": {"limits": {"cpu": "500m", "memory": "1Gi"}}},
                {"name": "b", "image": "busybox", "securityContext": {"privileged": true}}
            ],
            "nullField": null,
            "nums": [3, 1, 2]
        }
    })
}

fn request() -> Value {
    json!({
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "subResource": "", "requestKind": null, "requestResource": null, "requestSubResource": "",
        "name": "web", "namespace": "prod", "operation": "CREATE",
        "userInfo": {"username": "alice", "uid": "", "groups": ["dev"], "extra": {}},
        "dryRun": false, "options": null
    })
}

fn run_with(expr: &str, authz: AuthorizerConfig) -> Result<Value, EvalError> {
    let env = CelEnv::kubernetes().expect("env");
    let program = env
        .compile(expr, &decls())
        .unwrap_or_else(|e| panic!("compile {expr}: {e}"));
    let obj = object();
    let req = request();
    let mut act = Activation::new(&env, Limits::default(), 10_000_000);
    act.bind_json("object", Some(&obj));
    act.bind_json("oldObject", None);
    act.bind_json("request", Some(&req));
    act.bind_json("params", None);
    act.bind_authorizer(Authorizer::new(
        std::sync::Arc::new(authz),
        "alice".into(),
        RequestResource {
            group: String::new(),
            resource: "pods".into(),
            subresource: String::new(),
            namespace: "prod".into(),
            name: "web".into(),
        },
    ));
    act.eval_json(&program)
}

fn run(expr: &str) -> Result<Value, EvalError> {
    run_with(expr, AuthorizerConfig::allow_all())
}

#[track_caller]
fn is(expr: &str, expected: Value) {
    match run(expr) {
        Ok(v) => assert_eq!(v, expected, "{expr}"),
        Err(e) => panic!("{expr}: {e}"),
    }
}

#[track_caller]
fn yes(expr: &str) {
    is(expr, json!(true));
}

#[track_caller]
fn fails(expr: &str, needle: &str) {
    match run(expr) {
        Ok(v) => panic!("{expr}: expected an error, got {v}"),
        Err(e) => assert!(
            e.message.contains(needle),
            "{expr}: error `{}` lacks `{needle}`",
            e.message
        ),
    }
}

#[test]
fn documents_are_viewed() {
    is("object.metadata.name", json!("web"));
    is("object.spec.containers[1].image", json!("busybox"));
    is("object.spec.containers.map(c, c.name)", json!(["a", "b"]));
    yes("object.spec.containers.all(c, has(c.image))");
    yes("object.spec.containers.exists(c, has(c.securityContext) && c.securityContext.privileged)");
    yes("size(object.spec.containers) == 2");
    yes("object.metadata.labels.size() == 2");
    yes("'app' in object.metadata.labels");
    yes("object.metadata.labels.all(k, k in ['app', 'tier'])");
    is("object.spec.nums + [4]", json!([3, 1, 2, 4]));
    is("[0] + object.spec.nums", json!([0, 3, 1, 2]));
    is(
        "object.metadata.labels",
        json!({"app": "web", "tier": "front"}),
    );
    yes("object.metadata.?annotations.orValue({}).size() == 0");
    yes("object.spec.nums.filter(n, n > 1) == [3, 2]");
}

#[test]
fn equality_is_deep_across_views_and_literals() {
    yes("object.spec.nums == [3, 1, 2]");
    yes("[3, 1, 2] == object.spec.nums");
    yes("{'app': 'web', 'tier': 'front'} == object.metadata.labels");
    yes("object.metadata.labels != {'app': 'web'}");
    yes("object.spec.containers[0] == object.spec.containers[0]");
    yes("object.spec.nums != [1]");
    yes("1 == 1.0");
    yes("object.spec.nums[0] == 3.0");
    yes("object.spec.nullField == null");
}

#[test]
fn has_on_null_and_non_maps_is_false_but_access_is_an_error() {
    yes("!has(object.spec.nullField.x)");
    yes("!has(object.metadata.name.x)");
    yes("!has(object.spec.nums.x)");
    yes("!has(object.spec.missing)");
    yes("has(object.spec.containers)");
    fails("object.spec.nullField.x", "null");
    fails("object.spec.missing", "no such key: missing");
    fails("object.spec.missing.x", "no such key");
}

#[test]
fn typed_request_and_declarations_are_checked() {
    let env = CelEnv::kubernetes().expect("env");
    let err = env
        .compile("request.operatoin == 'CREATE'", &decls())
        .expect_err("typo in typed request");
    assert!(err.message.contains("undefined field 'operatoin'"), "{err}");
    assert_eq!((err.line, err.column), (1, 8));
    let err = env
        .compile("request.userInfo.name", &decls())
        .expect_err("unknown userInfo field");
    assert!(err.message.contains("undefined field 'name'"));
    let err = env.compile("objct.spec", &decls()).expect_err("undeclared");
    assert!(err.message.contains("undeclared reference to 'objct'"));
    let err = env
        .compile("variables.nope", &decls())
        .expect_err("undeclared variable");
    assert!(err.message.contains("variables.nope"));
    let err = env
        .compile("object.spec.x ==", &decls())
        .expect_err("syntax");
    assert_eq!(err.line, 1);
    let err = env
        .compile("x.all(y, y)\n && object.a ==", &decls())
        .expect_err("syntax on line 2");
    assert_eq!(err.line, 2);
    yes("request.operation == 'CREATE' && request.userInfo.groups == ['dev']");
    yes("has(request.operation)");
    assert!(env.compile("[1].all(x, x > 0)", &decls()).is_ok());
}

#[test]
fn compile_error_diagnostic_points_into_the_policy_file() {
    let text = "spec:\n  validations:\n  - expression: \"object.a ==\"\n  - expression: |\n      object.spec.x &&\n        objct.y\n";
    let file = palisade_source::SourceFile::new("p.yaml", text);
    let env = CelEnv::kubernetes().expect("env");
    let e = env.compile("object.a ==", &decls()).expect_err("syntax");
    let d = e.diagnostic(
        &file,
        palisade_source::Position { line: 3, column: 5 },
        "validations[0].expression",
    );
    let p = d.position.expect("position");
    assert_eq!(p.line, 3);
    assert_eq!(p.column, 5 + "expression: \"".len() as u32 + e.column - 1);
    let e = env
        .compile("object.spec.x &&\n  objct.y", &decls())
        .expect_err("undeclared");
    let d = e.diagnostic(
        &file,
        palisade_source::Position { line: 4, column: 5 },
        "validations[1].expression",
    );
    let p = d.position.expect("position");
    assert_eq!(p.line, 6, "{d}");
    assert_eq!(p.column, 9, "{d}");
}

#[test]
fn k8s_lists() {
    yes("[1, 2, 3].isSorted()");
    yes("!object.spec.nums.isSorted()");
    yes("['a', 'b'].isSorted()");
    is("object.spec.nums.sum()", json!(6));
    is("[1.5, 2.5].sum()", json!(4.0));
    is("[].sum()", json!(0));
    is("object.spec.nums.min()", json!(1));
    is("object.spec.nums.max()", json!(3));
    is("['b', 'a'].min()", json!("a"));
    fails("[].min()", "empty list");
    is("[1, 2, 1].indexOf(1)", json!(0));
    is("[1, 2, 1].lastIndexOf(1)", json!(2));
    is("[1, 2].indexOf(5)", json!(-1));
    is(
        "object.spec.containers.map(c, c.name).indexOf('b')",
        json!(1),
    );
    is("[[1], [2]].indexOf([2])", json!(1));
}

#[test]
fn lists_ext_v3() {
    is("[3, 1, 2].sort()", json!([1, 2, 3]));
    is("[1, 2, 2].distinct()", json!([1, 2]));
    is("[1, [2, 3]].flatten()", json!([1, 2, 3]));
    is("[1, 2, 3].reverse()", json!([3, 2, 1]));
    is("[1, 2, 3, 4].slice(1, 3)", json!([2, 3]));
    is("lists.range(3)", json!([0, 1, 2]));
    is(
        "object.spec.containers.sortBy(c, c.image).map(c, c.name)",
        json!(["b", "a"]),
    );
    is("[1, 2].first()", json!(1));
    is("[1, 2].last()", json!(2));
    yes("![].first().hasValue()");
}

#[test]
fn regex_find() {
    is("'abc123def456'.find('[0-9]+')", json!("123"));
    is("'abc'.find('[0-9]+')", json!(""));
    is("'abc123def456'.findAll('[0-9]+')", json!(["123", "456"]));
    is("'a1b2c3'.findAll('[0-9]', 2)", json!(["1", "2"]));
    is("'a1b2c3'.findAll('[0-9]', 0)", json!([]));
    yes("'nginx:1.25'.matches('^nginx:[0-9.]+$')");
    fails("'x'.find('(')", "error parsing regexp");
}

#[test]
fn strings_ext() {
    is("'Hello'.lowerAscii()", json!("hello"));
    is("'Hello'.upperAscii()", json!("HELLO"));
    is("'a-b-c'.replace('-', '_')", json!("a_b_c"));
    is("'a-b-c'.replace('-', '_', 1)", json!("a_b-c"));
    is("'a,b,c'.split(',')", json!(["a", "b", "c"]));
    is("'a,b,c'.split(',', 2)", json!(["a", "b,c"]));
    is("['a', 'b'].join('/')", json!("a/b"));
    is("['a', 'b'].join()", json!("ab"));
    is(
        "object.spec.containers.map(c, c.name).join(', ')",
        json!("a, b"),
    );
    is("'hello'.substring(1, 3)", json!("el"));
    is("'hello'.substring(3)", json!("lo"));
    is("'  x '.trim()", json!("x"));
    is("'hello'.indexOf('l')", json!(2));
    is("'hello'.lastIndexOf('l')", json!(3));
    is("'hello'.charAt(1)", json!("e"));
    is(
        "'%s has %d containers'.format([object.metadata.name, 2])",
        json!("web has 2 containers"),
    );
    is("strings.quote('a\"b')", json!("\"a\\\"b\""));
    yes("'nginx:1.25'.startsWith('nginx') && 'x.yaml'.endsWith('.yaml') && 'abc'.contains('b')");
}

#[test]
fn quantities() {
    yes("quantity('1Gi') == quantity('1073741824')");
    yes("quantity('1000m') == quantity('1')");
    yes("quantity(object.spec.containers[0].resources.limits.cpu).isLessThan(quantity('1'))");
    yes("quantity('2').isGreaterThan(quantity('1500m'))");
    is("quantity('1.5').compareTo(quantity('1500m'))", json!(0));
    is("quantity('1k').asInteger()", json!(1000));
    yes("quantity('1.5').isInteger() == false");
    is("quantity('500m').asApproximateFloat()", json!(0.5));
    is("quantity('-1').sign()", json!(-1));
    is(
        "quantity('1Ki').add(quantity('1Ki')).asInteger()",
        json!(2048),
    );
    is("quantity('1').add(2).asInteger()", json!(3));
    is(
        "quantity('5').sub(quantity('500m')).asApproximateFloat()",
        json!(4.5),
    );
    is("quantity('2e3').asInteger()", json!(2000));
    yes("isQuantity('100Mi') && !isQuantity('100MB') && !isQuantity('') && !isQuantity('1K')");
    fails("quantity('1.5').asInteger()", "cannot convert");
    fails("quantity('abc')", "quantities must match");
}

#[test]
fn urls() {
    is(
        "url('https://example.com:8443/a%20b/c?x=1&y=2&y=3').getScheme()",
        json!("https"),
    );
    is(
        "url('https://example.com:8443/path').getHost()",
        json!("example.com:8443"),
    );
    is(
        "url('https://example.com:8443/path').getHostname()",
        json!("example.com"),
    );
    is(
        "url('https://example.com:8443/path').getPort()",
        json!("8443"),
    );
    is("url('https://example.com/path').getPort()", json!(""));
    is("url('https://[::1]:80/').getHostname()", json!("::1"));
    is("url('https://[::1]:80/').getHost()", json!("[::1]:80"));
    is(
        "url('https://example.com/a%20b/c').getEscapedPath()",
        json!("/a%20b/c"),
    );
    is("url('/absolute/path').getScheme()", json!(""));
    is(
        "url('https://example.com/p?x=1&y=2&y=3&z=a+b').getQuery()",
        json!({"x": ["1"], "y": ["2", "3"], "z": ["a b"]}),
    );
    yes(
        "isURL('https://example.com') && isURL('/path') && !isURL('example.com') && !isURL('../rel')",
    );
    yes("!isURL('https://exa mple.com/') && !isURL('https://example.com:port/') && !isURL('/%zz')");
    fails("url('relative')", "URL parse error");
}

#[test]
fn ip_and_cidr() {
    yes(
        "isIP('10.0.0.1') && isIP('::1') && !isIP('10.0.0.01') && !isIP('::ffff:1.2.3.4') && !isIP('fe80::1%eth0')",
    );
    is("ip('10.0.0.1').family()", json!(4));
    is("ip('2001:db8::1').family()", json!(6));
    yes("ip('127.0.0.1').isLoopback() && ip('::1').isLoopback()");
    yes("ip('0.0.0.0').isUnspecified() && ip('::').isUnspecified()");
    yes("ip('224.0.0.1').isLinkLocalMulticast() && ip('ff02::1').isLinkLocalMulticast()");
    yes("ip('169.254.1.1').isLinkLocalUnicast() && ip('fe80::1').isLinkLocalUnicast()");
    yes("ip('10.0.0.1').isGlobalUnicast() && !ip('255.255.255.255').isGlobalUnicast()");
    yes(
        "ip.isCanonical('2001:db8::1') && !ip.isCanonical('2001:DB8::1') && !ip.isCanonical('2001:db8:0::1')",
    );
    is("string(ip('2001:db8:0:0::1'))", json!("2001:db8::1"));
    yes("ip('10.0.0.1') == ip('10.0.0.1') && ip('10.0.0.1') != ip('10.0.0.2')");
    yes(
        "cidr('10.0.0.0/8').containsIP(ip('10.1.2.3')) && cidr('10.0.0.0/8').containsIP('10.1.2.3')",
    );
    yes("!cidr('10.0.0.0/8').containsIP('11.0.0.1') && !cidr('10.0.0.0/8').containsIP('::1')");
    yes(
        "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && !cidr('10.1.0.0/16').containsCIDR(cidr('10.0.0.0/8'))",
    );
    is("cidr('10.1.2.3/8').ip()", json!("10.1.2.3"));
    is("string(cidr('10.1.2.3/8').masked())", json!("10.0.0.0/8"));
    is("cidr('2001:db8::/32').prefixLength()", json!(32));
    yes(
        "isCIDR('10.0.0.0/8') && !isCIDR('10.0.0.0/33') && !isCIDR('10.0.0.0') && !isCIDR('10.0.0.0/08')",
    );
    fails("ip('1.2.3')", "parse error");
    fails("cidr('1.2.3.4/40')", "parse error");
}

#[test]
fn semvers() {
    yes("semver('1.2.3').isLessThan(semver('1.10.0'))");
    yes("semver('1.0.0-alpha').isLessThan(semver('1.0.0'))");
    yes("semver('1.0.0-alpha.1').isLessThan(semver('1.0.0-alpha.beta'))");
    yes("semver('1.0.0-2').isLessThan(semver('1.0.0-10'))");
    is(
        "semver('2.3.4').major() + semver('2.3.4').minor() + semver('2.3.4').patch()",
        json!(9),
    );
    is("semver('1.2.3').compareTo(semver('1.2.3+build'))", json!(0));
    yes("semver('1.2.3') == semver('1.2.3')");
    yes(
        "isSemver('1.2.3') && !isSemver('v1.2.3') && isSemver('v1.2', true) && !isSemver('01.2.3')",
    );
    is("semver('v01.2', true).minor()", json!(2));
    yes("semver('2.0.0').isGreaterThan(semver('1.99.99'))");
    fails("semver('1.2')", "semver parse error");
}

#[test]
fn sets() {
    yes("sets.contains([1, 2, 3], [3, 1])");
    yes("!sets.contains([1, 2], [4])");
    yes("sets.contains([], [])");
    yes("sets.equivalent([1, 2, 2], [2, 1])");
    yes("!sets.equivalent([1, 2], [1])");
    yes("sets.intersects([1, 2], [2, 3])");
    yes("!sets.intersects([1], [])");
    yes("sets.contains(object.spec.nums, [1.0])");
}

#[test]
fn formats() {
    yes("!format.dns1123Label().validate('my-name').hasValue()");
    yes("format.dns1123Label().validate('My_Name').hasValue()");
    is(
        "format.dns1123Label().validate('Bad')",
        json!([
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        ]),
    );
}

#[test]
fn named_formats() {
    yes("!format.named('dns1123Subdomain').value().validate('a.b.example.com').hasValue()");
    yes("!format.named('nope').hasValue()");
    yes(
        "!format.dns1035Label().validate('abc-1').hasValue() && format.dns1035Label().validate('1abc').hasValue()",
    );
    yes("!format.qualifiedName().validate('example.com/MyName').hasValue()");
    yes("format.qualifiedName().validate('a/b/c').hasValue()");
    yes(
        "!format.labelValue().validate('').hasValue() && format.labelValue().validate('-x').hasValue()",
    );
    yes("!format.dns1123LabelPrefix().validate('my-prefix-').hasValue()");
    yes("!format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()");
    yes("!format.byte().validate('aGVsbG8=').hasValue() && format.byte().validate('a').hasValue()");
    yes(
        "!format.date().validate('2024-01-31').hasValue() && format.datetime().validate('2024-01-31').hasValue()",
    );
    yes("!format.uri().validate('https://example.com/x').hasValue()");
}

#[test]
fn two_variable_comprehensions() {
    yes("[10, 20].all(i, v, v == (i + 1) * 10)");
    yes("{'a': 1, 'b': 2}.exists(k, v, k == 'b' && v == 2)");
    yes("[1, 2, 3].existsOne(i, v, v > 2)");
    yes("!['a', 'b'].exists_one(i, v, i >= 0)");
    is(
        "['a', 'b'].transformList(i, v, v + string(i))",
        json!(["a0", "b1"]),
    );
    is(
        "[1, 2, 3, 4].transformList(i, v, v % 2 == 0, v * 10)",
        json!([20, 40]),
    );
    is(
        "{'a': 1, 'b': 2}.transformMap(k, v, v + 1)",
        json!({"a": 2, "b": 3}),
    );
    is(
        "{'a': 1, 'b': 2}.transformMap(k, v, v > 1, v)",
        json!({"b": 2}),
    );
    is(
        "{'a': 1}.transformMapEntry(k, v, {k + 'x': v * 2})",
        json!({"ax": 2}),
    );
    is(
        "object.metadata.labels.transformMap(k, v, k + '=' + v)",
        json!({"app": "app=web", "tier": "tier=front"}),
    );
    is(
        "object.spec.containers.transformList(i, c, c.name + string(i))",
        json!(["a0", "b1"]),
    );
    // the inner comprehension rebinds `v`: only the outer `i` is the pair's index
    is(
        "[[1], [2]].transformList(i, v, v.map(v, v + i))",
        json!([[1], [3]]),
    );
    fails(
        "{'a': 1, 'b': 1}.transformMapEntry(k, v, {'same': v})",
        "key already exists",
    );
}

#[test]
fn authorizer_from_config() {
    yes(
        "authorizer.group('apps').resource('deployments').namespace('prod').check('create').allowed()",
    );
    yes("authorizer.path('/healthz').check('get').allowed()");
    yes("authorizer.requestResource.check('delete').allowed()");
    yes("authorizer.serviceAccount('ns', 'sa').group('').resource('pods').check('get').allowed()");
    yes(
        "authorizer.requestResource.check('get').reason() == '' && !authorizer.requestResource.check('get').errored()",
    );
    let cfg = AuthorizerConfig::from_json(&json!({
        "default": "deny",
        "rules": [
            {"users": ["alice"], "verbs": ["get", "list"], "resources": ["pods"], "decision": "allow"},
            {"users": ["system:serviceaccount:ns:sa"], "verbs": ["*"], "decision": "allow", "reason": "sa can"},
            {"paths": ["/metrics*"], "verbs": ["get"], "decision": "allow"}
        ]
    }))
    .expect("config");
    let check = |e: &str| run_with(e, cfg.clone()).expect(e);
    assert_eq!(
        check("authorizer.requestResource.check('get').allowed()"),
        json!(true)
    );
    assert_eq!(
        check("authorizer.requestResource.check('delete').allowed()"),
        json!(false)
    );
    assert_eq!(
        check("authorizer.group('apps').resource('deployments').check('get').allowed()"),
        json!(false)
    );
    assert_eq!(
        check(
            "authorizer.serviceAccount('ns', 'sa').group('apps').resource('x').check('delete').reason()"
        ),
        json!("sa can")
    );
    assert_eq!(
        check("authorizer.path('/metrics/x').check('get').allowed()"),
        json!(true)
    );
    assert_eq!(
        check("authorizer.path('/other').check('get').allowed()"),
        json!(false)
    );
}

#[test]
fn jsonpatch_escape_key_and_struct_literals() {
    is("jsonpatch.escapeKey('a/b~c')", json!("a~1b~0c"));
    is(
        "Object{metadata: Object.metadata{labels: {'a': 'b'}}}",
        json!({"metadata": {"labels": {"a": "b"}}}),
    );
    is(
        "[JSONPatch{op: 'add', path: '/metadata/labels/' + jsonpatch.escapeKey('x/y'), value: 'z'}]",
        json!([{"op": "add", "path": "/metadata/labels/x~1y", "value": "z"}]),
    );
}

#[test]
fn optionals_and_standard_library() {
    yes("optional.of(1).hasValue() && !optional.none().hasValue()");
    is("object.spec.?missing.orValue('dflt')", json!("dflt"));
    is(
        "object.?spec.?containers[?5].orValue('none')",
        json!("none"),
    );
    is("object.metadata.labels[?'app'].value()", json!("web"));
    yes("duration('1h') > duration('30m')");
    yes("timestamp('2024-01-01T00:00:00Z') < timestamp('2024-06-01T00:00:00Z')");
    is("int('42') + 1", json!(43));
    is("string(1.5)", json!("1.5"));
    is("type(object) == map", json!(true));
    is("dyn(object.spec.nums).size()", json!(3));
    is(
        "object.spec.containers.exists_one(c, c.name == 'a')",
        json!(true),
    );
    fails("1 / 0", "division by zero");
    fails("[1, 2][5]", "index out of bounds");
}

#[test]
fn or_value_and_or_follow_cel_go() {
    // a receiver that is not an optional is the result as it is (cel-go's evalOptionalOrValue)
    is("object.spec.nums.orValue([])", json!([3, 1, 2]));
    is("object.metadata.labels.orValue({}).app", json!("web"));
    is("object.spec.nums.or(optional.none())", json!([3, 1, 2]));
    // ... its error included
    fails("object.spec.missing.orValue([])", "no such key");
    // the alternative is evaluated only for an empty optional
    is("optional.of(1).orValue(1 / 0)", json!(1));
    is("object.spec.nums.orValue(1 / 0)", json!([3, 1, 2]));
    fails("optional.none().orValue(1 / 0)", "division by zero");
    is("optional.of(1).or(optional.of(1 / 0)).value()", json!(1));
    is("optional.none().or(optional.of(2)).value()", json!(2));
    // `?.` chains: later selections on the optional stay optional
    is(
        "object.spec.containers[1].?securityContext.privileged.orValue(false)",
        json!(true),
    );
    is(
        "object.spec.containers[0].?securityContext.privileged.orValue(false)",
        json!(false),
    );
    // chained and nested, each bound once
    is(
        "object.spec.?a.orValue(object.spec.?b.orValue(optional.none().orValue(7)))",
        json!(7),
    );
    is(
        "object.spec.containers.map(c, c.?securityContext.orValue({}).?privileged.orValue(false))",
        json!([false, true]),
    );
}

#[test]
fn variables_are_lazy_memoized_and_report_their_errors() {
    let env = CelEnv::kubernetes().expect("env");
    let mut d = decls();
    let mut vars = Vec::new();
    for (name, src) in [
        ("containers", "object.spec.containers"),
        ("names", "variables.containers.map(c, c.name)"),
        ("bad", "object.spec.missing.x"),
    ] {
        let program = env.compile(src, &d).expect("compile var");
        vars.push(Variable {
            name: name.into(),
            program,
        });
        d.variables.push(name.into());
    }
    let obj = object();
    let mut act = Activation::new(&env, Limits::default(), 10_000_000);
    act.bind_json("object", Some(&obj));
    act.set_variables(&vars);
    let p = env.compile("variables.names == ['a', 'b']", &d).expect("c");
    assert_eq!(act.eval_bool(&p), Ok(true));
    let p = env.compile("variables.containers.size()", &d).expect("c");
    assert_eq!(act.eval_json(&p), Ok(json!(2)));
    let p = env.compile("true || variables.bad", &d).expect("c");
    assert_eq!(
        act.eval_bool(&p),
        Ok(true),
        "unused failing variable is no error"
    );
    let p = env.compile("variables.bad == 1", &d).expect("c");
    let e = act.eval_bool(&p).expect_err("bad variable");
    assert!(
        e.message
            .starts_with("composited variable \"bad\" fails to evaluate: no such key"),
        "{}",
        e.message
    );
    let p = env.compile("has(variables.names)", &d).expect("c");
    assert_eq!(act.eval_bool(&p), Ok(true));
}

#[test]
fn hostile_expressions_run_out_of_budget() {
    let e =
        run("lists.range(1000).all(a, lists.range(1000).all(b, lists.range(1000).all(c, true)))")
            .expect_err("cost");
    // (in a debug build the 2 s deadline may come first)
    assert!(
        matches!(e.kind, EvalErrorKind::CostLimit | EvalErrorKind::Timeout),
        "{e}"
    );
    let e = run("lists.range(100000000).size() > 0").expect_err("cost");
    assert_eq!(e.kind, EvalErrorKind::CostLimit);
    let e = run("[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, [1,2,3,4,5,6,7,8,9,10].map(c, [1,2,3,4,5,6,7,8,9,10].map(d, [1,2,3,4,5,6,7,8,9,10].map(e, [1,2,3,4,5,6,7,8,9,10].map(f, 1))))))")
        .expect_err("cost");
    assert!(
        matches!(e.kind, EvalErrorKind::CostLimit | EvalErrorKind::Timeout),
        "{e}"
    );
    // a tight deadline also stops it
    let env = CelEnv::kubernetes().expect("env");
    let p = env
        .compile(
            "lists.range(200).all(a, lists.range(200).all(b, lists.range(200).all(c, 'x'.matches('x'))))",
            &decls(),
        )
        .expect("compile");
    let mut act = Activation::new(
        &env,
        Limits {
            cost: u64::MAX,
            timeout: Duration::from_millis(20),
        },
        u64::MAX,
    );
    let started = std::time::Instant::now();
    let e = act.eval_bool(&p).expect_err("timeout");
    assert_eq!(e.kind, EvalErrorKind::Timeout, "{e}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // ordinary expressions are far below the budget
    assert!(run("object.spec.containers.all(c, c.image.contains(':') || true)").is_ok());
}

#[test]
fn the_total_budget_is_shared_by_an_activations_evaluations() {
    let env = CelEnv::kubernetes().expect("env");
    let p = env
        .compile("lists.range(600).all(x, true)", &decls())
        .expect("compile");
    let mut act = Activation::new(&env, Limits::default(), 2_000);
    assert_eq!(act.eval_bool(&p), Ok(true));
    assert!(act.cost_used() >= 600);
    let e = act.eval_bool(&p).expect_err("out of total budget");
    assert_eq!(e.kind, EvalErrorKind::CostLimit);
}

#[test]
fn programs_are_shared_across_threads() {
    let env = CelEnv::kubernetes().expect("env");
    let p = env
        .compile(
            "object.spec.containers.all(c, c.name.size() == 1)",
            &decls(),
        )
        .expect("compile");
    let obj = object();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..50 {
                    let mut act = Activation::new(&env, Limits::default(), 10_000_000);
                    act.bind_json("object", Some(&obj));
                    assert_eq!(act.eval_bool(&p), Ok(true));
                }
            });
        }
    });
}

#[test]
fn results_convert_to_json() {
    is(
        "{'b': 1, 'a': [true, null, 1.5, 'x']}",
        json!({"a": [true, null, 1.5, "x"], "b": 1}),
    );
    is("duration('1.5s')", json!("1.5s"));
    is(
        "timestamp('2024-01-01T00:00:00Z')",
        json!("2024-01-01T00:00:00+00:00"),
    );
    is("b'hi'", json!("aGk="));
    is("quantity('1Gi')", json!("1Gi"));
    is(
        "object.spec.containers[1]",
        json!({"name": "b", "image": "busybox", "securityContext": {"privileged": true}}),
    );
    is("url('https://x/y')", json!("https://x/y"));
    fails("authorizer", "cannot be converted to JSON");
}

#[test]
fn host_functions_are_registered_by_dependent_crates() {
    struct Store(Vec<Value>);
    let functions = HostFunctions::new()
        .function("store.Get", 1, |call| {
            let store = call.data::<Store>().ok_or("no store bound")?;
            let name = call.str_arg(0);
            store
                .0
                .iter()
                .find(|v| v["name"] == name)
                .cloned()
                .ok_or_else(|| format!("{name} not found"))
        })
        .function("twice", 1, |call| {
            Ok(json!(call.args[0].as_i64().unwrap_or(0) * 2))
        })
        .member("shout", 0, |call| Ok(json!(call.str_arg(0).to_uppercase())))
        .timestamp_function("clock.now", 0, |_| Ok(json!("2026-01-02T03:04:05Z")));
    let env = CelEnv::kubernetes().expect("env").with_functions(functions);
    let data = std::sync::Arc::new(Store(vec![json!({"name": "a", "v": 1})]));
    let eval = |expr: &str| {
        let program = env
            .compile(expr, &decls())
            .unwrap_or_else(|e| panic!("compile {expr}: {e}"));
        let obj = object();
        let mut act = Activation::new(&env, Limits::default(), 10_000_000);
        act.bind_json("object", Some(&obj));
        act.bind_host_data(data.clone());
        act.eval_json(&program)
    };
    assert_eq!(eval("store.Get('a').v + twice(2)"), Ok(json!(5)));
    assert_eq!(eval("object.metadata.name.shout()"), Ok(json!("WEB")));
    assert_eq!(
        eval("object.spec.containers.map(c, twice(size(c.name)))"),
        Ok(json!([2, 2]))
    );
    assert_eq!(
        eval("clock.now() > timestamp('2026-01-01T00:00:00Z')"),
        Ok(json!(true))
    );
    let err = eval("store.Get('zz')").expect_err("missing");
    assert!(err.message.contains("zz not found"), "{}", err.message);
    // a call with another arity is not a host call
    assert!(env.compile("twice(1, 2)", &decls()).is_ok());
    // the base environment does not know them
    let base = CelEnv::kubernetes().expect("env");
    assert!(base.compile("store.Get('a')", &decls()).is_err());
}
