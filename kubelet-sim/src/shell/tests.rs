use super::*;

fn ctx() -> ExecCtx {
    ExecCtx {
        wall: SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_725_600),
        busy_loop: Duration::from_millis(10),
    }
}

/// Runs a script until it exits, runs forever or `limit` effects were seen.
fn run(src: &str, limit: usize) -> Vec<Effect> {
    let mut p = Process::new(
        Script::parse(src).expect("parses"),
        vec![("HOSTNAME".into(), "web-1".into())],
    );
    let mut out = Vec::new();
    for _ in 0..limit {
        let e = p.step(&ctx());
        let end = matches!(e, Effect::Exit(_) | Effect::Forever);
        out.push(e);
        if end {
            break;
        }
    }
    out
}

fn line(s: &str) -> Effect {
    Effect::Output(s.to_string())
}

fn secs(n: u64) -> Effect {
    Effect::Sleep(Duration::from_secs(n))
}

#[test]
fn echo_sleep_echo_then_exit_zero() {
    assert_eq!(
        run("echo a; sleep 1; echo b", 10),
        vec![line("a"), secs(1), line("b"), Effect::Exit(0)]
    );
}

#[test]
fn exit_code_is_reported_and_stops_the_script() {
    assert_eq!(
        run("echo failing; exit 3; echo never", 10),
        vec![line("failing"), Effect::Exit(3)]
    );
}

#[test]
fn and_or_follow_the_status() {
    assert_eq!(
        run("false && echo no || echo yes; true && echo ok", 10),
        vec![line("yes"), line("ok"), Effect::Exit(0)]
    );
}

#[test]
fn while_true_loops_forever_with_its_sleep() {
    let effects = run("while true; do echo tick; sleep 5; done", 7);
    assert_eq!(
        effects,
        vec![
            line("tick"),
            secs(5),
            line("tick"),
            secs(5),
            line("tick"),
            secs(5),
            line("tick")
        ]
    );
}

#[test]
fn busy_loops_still_take_time() {
    let effects = run("while :; do echo x; done", 4);
    assert_eq!(
        effects,
        vec![
            line("x"),
            Effect::Sleep(Duration::from_millis(10)),
            line("x"),
            Effect::Sleep(Duration::from_millis(10))
        ]
    );
}

#[test]
fn for_loops_variables_and_arithmetic() {
    assert_eq!(
        run("for i in 1 2 3; do echo \"n=$i\"; done", 20)
            .into_iter()
            .filter(|e| matches!(e, Effect::Output(_)))
            .collect::<Vec<_>>(),
        vec![line("n=1"), line("n=2"), line("n=3")]
    );
    assert_eq!(
        run(
            "i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); sleep 1; done; echo done",
            20
        ),
        vec![
            line("0"),
            secs(1),
            line("1"),
            secs(1),
            line("2"),
            secs(1),
            line("done"),
            Effect::Exit(0)
        ]
    );
    assert_eq!(
        run("for i in $(seq 1 3); do echo $i; done", 20)
            .into_iter()
            .filter(|e| matches!(e, Effect::Output(_)))
            .count(),
        3
    );
}

#[test]
fn if_then_else() {
    assert_eq!(
        run(
            "if [ \"$HOSTNAME\" = web-1 ]; then echo me; else echo other; fi",
            5
        ),
        vec![line("me"), Effect::Exit(0)]
    );
}

#[test]
fn quoting_and_variables() {
    assert_eq!(
        run("X='a  b'; echo $X; echo \"$X\"; echo '$X'", 5),
        vec![line("a b"), line("a  b"), line("$X"), Effect::Exit(0)]
    );
    assert_eq!(
        run("echo $(hostname)", 2),
        vec![line("web-1"), Effect::Exit(0)]
    );
}

#[test]
fn unknown_commands_fail_like_sh() {
    assert_eq!(
        run("frobnicate --now", 3),
        vec![line("sh: frobnicate: not found"), Effect::Exit(127)]
    );
}

#[test]
fn sleep_infinity_and_tail_f_run_forever() {
    assert_eq!(
        run("echo up; sleep infinity; echo never", 5),
        vec![line("up"), Effect::Forever]
    );
    assert_eq!(run("tail -f /dev/null", 5), vec![Effect::Forever]);
}

#[test]
fn nested_sh_c_and_argv_scripts() {
    let mut p = Process::new(
        Script::argv(&["sh".into(), "-c".into(), "echo inner; exit 4".into()]),
        vec![],
    );
    assert_eq!(p.step(&ctx()), line("inner"));
    assert_eq!(p.step(&ctx()), Effect::Exit(4));
    let mut p = Process::new(Script::argv(&["sleep".into(), "3600".into()]), vec![]);
    assert_eq!(p.step(&ctx()), secs(3600));
    assert_eq!(p.step(&ctx()), Effect::Exit(0));
}

#[test]
fn redirections_to_files_hide_output() {
    assert_eq!(
        run("echo hidden > /tmp/x; echo shown 2>&1; echo also >&2", 5),
        vec![line("shown"), line("also"), Effect::Exit(0)]
    );
}

#[test]
fn traps_make_the_process_honour_sigterm() {
    let mut p = Process::new(
        Script::parse("trap 'exit 0' TERM; sleep 100").expect("parses"),
        vec![],
    );
    assert_eq!(p.step(&ctx()), secs(100));
    assert!(p.handles_sigterm());
}

#[test]
fn programs_print_then_run_forever_or_exit() {
    let mut p = Process::new(Script::program(&["one".into(), "two".into()], None), vec![]);
    assert_eq!(p.step(&ctx()), line("one"));
    assert_eq!(p.step(&ctx()), line("two"));
    assert_eq!(p.step(&ctx()), Effect::Forever);
    assert_eq!(p.step(&ctx()), Effect::Forever);
    let mut p = Process::new(Script::program(&[], Some(1)), vec![]);
    assert_eq!(p.step(&ctx()), Effect::Exit(1));
}

#[test]
fn date_prints_busybox_format() {
    assert_eq!(run("date", 2)[0], line("Wed Jan  1 10:00:00 UTC 2025"));
}

#[test]
fn syntax_errors_are_reported() {
    assert!(Script::parse("echo 'unterminated").is_err());
    assert!(Script::parse("while true; do echo").is_err());
}
