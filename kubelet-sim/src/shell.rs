//! A tiny busybox-flavoured shell: enough of `sh -c '…'` for what pods in tutorials and tests
//! run — `echo`, `printf`, `sleep`, `exit`, `date`, `env`, `test`/`[`, variables, `$((…))`,
//! `$(…)`, `&&`, `||`, `;`, `if`, `while`/`until` and `for` loops, redirections to files.
//!
//! A [`Script`] is compiled once into a flat list of operations; a [`Process`] runs it step by
//! step and reports each observable effect — a line of output, a sleep, an exit, or "runs
//! forever" — so the simulated runtime can schedule it on the injected clock. Pure: no I/O, no
//! time source other than the wall-clock value the caller passes in.
//!
//! SIMPLIFICATION: pipelines run their first command only; commands that touch files or the
//! network (`cat file`, `wget`, `mkdir`, …) succeed silently; `case` and functions are not
//! understood (a script using them runs forever without output). See README#differences.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// One piece of a word.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    /// Literal text; `true` when it was quoted (no field splitting).
    Lit(String, bool),
    /// `$NAME` / `${NAME}`; `true` when quoted.
    Var(String, bool),
    /// `$((expr))`.
    Arith(String),
    /// `$(command)` or `` `command` ``; `true` when quoted.
    Subst(String, bool),
}

/// A shell word before expansion.
#[derive(Debug, Clone, PartialEq, Default)]
struct Word(Vec<Part>);

impl Word {
    /// The word as a bare keyword candidate (unquoted literal only).
    fn keyword(&self) -> Option<&str> {
        match self.0.as_slice() {
            [Part::Lit(s, false)] => Some(s.as_str()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(Word),
    Op(&'static str),
    /// A redirection of stdout (`>`, `>>`, `&>`); its target follows as a word.
    RedirOut,
    /// Any other redirection (`<`, `2>`, `2>&1`); its target (if any) follows as a word.
    RedirOther(bool),
}

/// One compiled operation.
#[derive(Debug, Clone)]
enum Op {
    /// A simple command: assignments are words of the form `NAME=value` before the command.
    Cmd {
        words: Vec<Word>,
        quiet: bool,
    },
    /// Print a line (a behaviour's log line; placeholders are filled in by the caller).
    Print(String),
    Jump(usize),
    JumpIfFail(usize),
    JumpIfOk(usize),
    ForInit {
        var: String,
        items: Vec<Word>,
        slot: usize,
    },
    ForNext {
        slot: usize,
        end: usize,
    },
    /// End of a loop iteration: a body that did not sleep still takes a little time.
    LoopTick,
    /// The program keeps running without doing anything observable.
    Forever,
    /// The program exits with this code.
    Exit(i32),
}

/// A compiled program.
#[derive(Debug, Clone, Default)]
pub struct Script {
    ops: Vec<Op>,
    slots: usize,
}

/// Why a script could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl Script {
    /// A program that prints `lines` and then either exits with `exit` or runs forever.
    pub fn program(lines: &[String], exit: Option<i32>) -> Script {
        let mut ops: Vec<Op> = lines.iter().map(|l| Op::Print(l.clone())).collect();
        ops.push(match exit {
            Some(c) => Op::Exit(c),
            None => Op::Forever,
        });
        Script { ops, slots: 0 }
    }

    /// A program that runs forever silently.
    pub fn forever() -> Script {
        Script::program(&[], None)
    }

    /// Compiles shell source (the argument of `sh -c`).
    pub fn parse(src: &str) -> Result<Script, ParseError> {
        let toks = tokenize(src)?;
        let mut p = Parser {
            toks,
            pos: 0,
            ops: Vec::new(),
            slots: 0,
        };
        p.list(&[])?;
        if p.pos < p.toks.len() {
            return Err(ParseError(format!(
                "syntax error: unexpected {:?}",
                p.toks[p.pos]
            )));
        }
        Ok(Script {
            ops: p.ops,
            slots: p.slots,
        })
    }

    /// A script running one command given as an argument vector (no shell parsing).
    pub fn argv(argv: &[String]) -> Script {
        let words = argv
            .iter()
            .map(|a| Word(vec![Part::Lit(a.clone(), true)]))
            .collect();
        Script {
            ops: vec![Op::Cmd {
                words,
                quiet: false,
            }],
            slots: 0,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

fn tokenize(src: &str) -> Result<Vec<Tok>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut word = Word::default();
    let mut in_word = false;
    let flush = |toks: &mut Vec<Tok>, word: &mut Word, in_word: &mut bool| {
        if *in_word {
            toks.push(Tok::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    let push_lit = |word: &mut Word, c: char, quoted: bool| match word.0.last_mut() {
        Some(Part::Lit(s, q)) if *q == quoted => s.push(c),
        _ => word.0.push(Part::Lit(c.to_string(), quoted)),
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => {
                flush(&mut toks, &mut word, &mut in_word);
                i += 1;
            }
            '\n' => {
                flush(&mut toks, &mut word, &mut in_word);
                toks.push(Tok::Op("\n"));
                i += 1;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ';' | '(' | ')' => {
                flush(&mut toks, &mut word, &mut in_word);
                toks.push(Tok::Op(match c {
                    ';' => ";",
                    '(' => "(",
                    _ => ")",
                }));
                i += 1;
            }
            '&' | '|' => {
                flush(&mut toks, &mut word, &mut in_word);
                let double = chars.get(i + 1) == Some(&c);
                if c == '&' && chars.get(i + 1) == Some(&'>') {
                    toks.push(Tok::RedirOut);
                    i += 2;
                    continue;
                }
                toks.push(Tok::Op(match (c, double) {
                    ('&', true) => "&&",
                    ('&', false) => "&",
                    ('|', true) => "||",
                    _ => "|",
                }));
                i += if double { 2 } else { 1 };
            }
            '>' | '<' => {
                // `2>`, `2>&1`, `1>`: a lone digit before the operator names the descriptor.
                let fd = match word.0.as_slice() {
                    [Part::Lit(s, false)] if in_word && (s == "1" || s == "2") => {
                        let fd = s.clone();
                        word = Word::default();
                        in_word = false;
                        Some(fd)
                    }
                    _ => {
                        flush(&mut toks, &mut word, &mut in_word);
                        None
                    }
                };
                i += 1;
                if chars.get(i) == Some(&'>') {
                    i += 1;
                }
                if chars.get(i) == Some(&'&') {
                    // `>&2`, `2>&1`: duplicates a descriptor; no file target follows.
                    i += 1;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                    // The container log keeps stderr too, so `>&2` changes nothing visible.
                    toks.push(Tok::RedirOther(false));
                    continue;
                }
                if c == '>' && fd.as_deref() != Some("2") {
                    toks.push(Tok::RedirOut);
                } else {
                    toks.push(Tok::RedirOther(true));
                }
            }
            '\\' => {
                in_word = true;
                if let Some(&n) = chars.get(i + 1) {
                    if n != '\n' {
                        push_lit(&mut word, n, true);
                    }
                    i += 2;
                } else {
                    i += 1;
                }
            }
            '\'' => {
                in_word = true;
                let start = i + 1;
                let end = chars[start..]
                    .iter()
                    .position(|&ch| ch == '\'')
                    .map(|p| start + p)
                    .ok_or_else(|| ParseError("unterminated quoted string".into()))?;
                let s: String = chars[start..end].iter().collect();
                word.0.push(Part::Lit(s, true));
                i = end + 1;
            }
            '"' => {
                in_word = true;
                i += 1;
                loop {
                    let Some(&ch) = chars.get(i) else {
                        return Err(ParseError("unterminated quoted string".into()));
                    };
                    match ch {
                        '"' => {
                            i += 1;
                            break;
                        }
                        '\\' => {
                            match chars.get(i + 1) {
                                Some(&n @ ('"' | '\\' | '$' | '`')) => push_lit(&mut word, n, true),
                                Some('\n') => {}
                                Some(&n) => {
                                    push_lit(&mut word, '\\', true);
                                    push_lit(&mut word, n, true);
                                }
                                None => push_lit(&mut word, '\\', true),
                            }
                            i += 2;
                        }
                        '$' | '`' => {
                            i = dollar(&chars, i, &mut word, true)?;
                        }
                        _ => {
                            push_lit(&mut word, ch, true);
                            i += 1;
                        }
                    }
                }
            }
            '$' | '`' => {
                in_word = true;
                i = dollar(&chars, i, &mut word, false)?;
            }
            _ => {
                in_word = true;
                push_lit(&mut word, c, false);
                i += 1;
            }
        }
    }
    flush(&mut toks, &mut word, &mut in_word);
    Ok(toks)
}

/// Reads an expansion starting at `chars[i]` (`$…` or a backquote) into `word`; returns the
/// index after it.
fn dollar(chars: &[char], i: usize, word: &mut Word, quoted: bool) -> Result<usize, ParseError> {
    let closing = |from: usize, open: char, close: char| -> Result<usize, ParseError> {
        let mut depth = 1;
        let mut j = from;
        while j < chars.len() {
            if chars[j] == open {
                depth += 1;
            } else if chars[j] == close {
                depth -= 1;
                if depth == 0 {
                    return Ok(j);
                }
            }
            j += 1;
        }
        Err(ParseError(format!("missing '{close}'")))
    };
    if chars[i] == '`' {
        let end = chars[i + 1..]
            .iter()
            .position(|&c| c == '`')
            .map(|p| i + 1 + p)
            .ok_or_else(|| ParseError("missing '`'".into()))?;
        word.0
            .push(Part::Subst(chars[i + 1..end].iter().collect(), quoted));
        return Ok(end + 1);
    }
    match chars.get(i + 1) {
        Some('(') if chars.get(i + 2) == Some(&'(') => {
            let end = closing(i + 3, '(', ')')?;
            // `$((…))`: the inner expression ends at the first of the two closing parens.
            word.0.push(Part::Arith(chars[i + 3..end].iter().collect()));
            let after = if chars.get(end + 1) == Some(&')') {
                end + 2
            } else {
                end + 1
            };
            Ok(after)
        }
        Some('(') => {
            let end = closing(i + 2, '(', ')')?;
            word.0
                .push(Part::Subst(chars[i + 2..end].iter().collect(), quoted));
            Ok(end + 1)
        }
        Some('{') => {
            let end = closing(i + 2, '{', '}')?;
            let inner: String = chars[i + 2..end].iter().collect();
            // `${NAME:-default}` and friends: keep the name; defaults are not modelled.
            let name = inner
                .split([':', '-', '=', '+', '?', '#', '%'])
                .next()
                .unwrap_or("")
                .to_string();
            word.0.push(Part::Var(name, quoted));
            Ok(end + 1)
        }
        Some(&c) if c == '?' || c == '$' || c == '#' || c == '!' || c.is_ascii_digit() => {
            word.0.push(Part::Var(c.to_string(), quoted));
            Ok(i + 2)
        }
        Some(&c) if c.is_ascii_alphabetic() || c == '_' => {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            word.0
                .push(Part::Var(chars[i + 1..j].iter().collect(), quoted));
            Ok(j)
        }
        _ => {
            match word.0.last_mut() {
                Some(Part::Lit(s, q)) if *q == quoted => s.push('$'),
                _ => word.0.push(Part::Lit("$".into(), quoted)),
            }
            Ok(i + 1)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parser / compiler

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    ops: Vec<Op>,
    slots: usize,
}

impl Parser {
    fn peek_keyword(&self) -> Option<&str> {
        match self.toks.get(self.pos) {
            Some(Tok::Word(w)) => w.keyword(),
            _ => None,
        }
    }

    fn skip_separators(&mut self) {
        while matches!(self.toks.get(self.pos), Some(Tok::Op(";" | "\n" | "&"))) {
            self.pos += 1;
        }
    }

    fn expect_keyword(&mut self, kw: &str) -> Result<(), ParseError> {
        self.skip_separators();
        if self.peek_keyword() == Some(kw) {
            self.pos += 1;
            Ok(())
        } else {
            Err(ParseError(format!("syntax error: expected {kw:?}")))
        }
    }

    /// A list of and-or lists, up to one of the `stop` keywords (not consumed) or `)`.
    fn list(&mut self, stop: &[&str]) -> Result<(), ParseError> {
        loop {
            self.skip_separators();
            if self.pos >= self.toks.len() {
                return Ok(());
            }
            if let Some(kw) = self.peek_keyword()
                && stop.contains(&kw)
            {
                return Ok(());
            }
            if matches!(self.toks.get(self.pos), Some(Tok::Op(")"))) {
                return Ok(());
            }
            self.and_or(stop)?;
        }
    }

    fn and_or(&mut self, stop: &[&str]) -> Result<(), ParseError> {
        self.pipeline(stop)?;
        loop {
            let jump = match self.toks.get(self.pos) {
                Some(Tok::Op("&&")) => Op::JumpIfFail(0),
                Some(Tok::Op("||")) => Op::JumpIfOk(0),
                _ => return Ok(()),
            };
            self.pos += 1;
            while matches!(self.toks.get(self.pos), Some(Tok::Op("\n"))) {
                self.pos += 1;
            }
            let at = self.ops.len();
            self.ops.push(jump);
            self.pipeline(stop)?;
            let end = self.ops.len();
            match &mut self.ops[at] {
                Op::JumpIfFail(t) | Op::JumpIfOk(t) => *t = end,
                _ => {}
            }
        }
    }

    fn pipeline(&mut self, stop: &[&str]) -> Result<(), ParseError> {
        self.command(stop)?;
        while matches!(self.toks.get(self.pos), Some(Tok::Op("|"))) {
            self.pos += 1;
            // SIMPLIFICATION: later commands of a pipeline are parsed and dropped.
            let mark = self.ops.len();
            self.command(stop)?;
            self.ops.truncate(mark);
        }
        Ok(())
    }

    fn command(&mut self, stop: &[&str]) -> Result<(), ParseError> {
        match self.peek_keyword() {
            Some("while") | Some("until") => {
                let until = self.peek_keyword() == Some("until");
                self.pos += 1;
                let top = self.ops.len();
                self.list(&["do"])?;
                self.expect_keyword("do")?;
                let at = self.ops.len();
                self.ops.push(if until {
                    Op::JumpIfOk(0)
                } else {
                    Op::JumpIfFail(0)
                });
                self.list(&["done"])?;
                self.expect_keyword("done")?;
                self.ops.push(Op::LoopTick);
                self.ops.push(Op::Jump(top));
                let end = self.ops.len();
                if let Op::JumpIfFail(t) | Op::JumpIfOk(t) = &mut self.ops[at] {
                    *t = end;
                }
                self.redirections();
                Ok(())
            }
            Some("for") => {
                self.pos += 1;
                let var = match self.toks.get(self.pos) {
                    Some(Tok::Word(w)) => w
                        .keyword()
                        .ok_or_else(|| ParseError("syntax error: bad for loop variable".into()))?
                        .to_string(),
                    _ => return Err(ParseError("syntax error: bad for loop variable".into())),
                };
                self.pos += 1;
                let mut items = Vec::new();
                if self.peek_keyword() == Some("in") {
                    self.pos += 1;
                    while let Some(Tok::Word(w)) = self.toks.get(self.pos) {
                        if w.keyword() == Some("do") {
                            break;
                        }
                        items.push(w.clone());
                        self.pos += 1;
                    }
                }
                let slot = self.slots;
                self.slots += 1;
                self.ops.push(Op::ForInit { var, items, slot });
                self.expect_keyword("do")?;
                let top = self.ops.len();
                self.ops.push(Op::ForNext { slot, end: 0 });
                self.list(&["done"])?;
                self.expect_keyword("done")?;
                self.ops.push(Op::LoopTick);
                self.ops.push(Op::Jump(top));
                let end = self.ops.len();
                if let Op::ForNext { end: e, .. } = &mut self.ops[top] {
                    *e = end;
                }
                self.redirections();
                Ok(())
            }
            Some("if") => {
                self.pos += 1;
                let mut to_end = Vec::new();
                loop {
                    self.list(&["then"])?;
                    self.expect_keyword("then")?;
                    let at = self.ops.len();
                    self.ops.push(Op::JumpIfFail(0));
                    self.list(&["elif", "else", "fi"])?;
                    to_end.push(self.ops.len());
                    self.ops.push(Op::Jump(0));
                    let next = self.ops.len();
                    if let Op::JumpIfFail(t) = &mut self.ops[at] {
                        *t = next;
                    }
                    self.skip_separators();
                    match self.peek_keyword() {
                        Some("elif") => {
                            self.pos += 1;
                        }
                        Some("else") => {
                            self.pos += 1;
                            self.list(&["fi"])?;
                            self.expect_keyword("fi")?;
                            break;
                        }
                        Some("fi") => {
                            self.pos += 1;
                            break;
                        }
                        _ => return Err(ParseError("syntax error: expected \"fi\"".into())),
                    }
                }
                let end = self.ops.len();
                for j in to_end {
                    self.ops[j] = Op::Jump(end);
                }
                self.redirections();
                Ok(())
            }
            Some("{") => {
                self.pos += 1;
                self.list(&["}"])?;
                self.expect_keyword("}")?;
                self.redirections();
                Ok(())
            }
            Some("case") | Some("function") => {
                // Not understood: the whole script runs forever silently.
                self.pos = self.toks.len();
                self.ops.push(Op::Forever);
                Ok(())
            }
            _ if matches!(self.toks.get(self.pos), Some(Tok::Op("("))) => {
                self.pos += 1;
                self.list(stop)?;
                if matches!(self.toks.get(self.pos), Some(Tok::Op(")"))) {
                    self.pos += 1;
                }
                Ok(())
            }
            _ => self.simple(),
        }
    }

    /// Skips redirections after a compound command.
    fn redirections(&mut self) {
        while let Some(Tok::RedirOut | Tok::RedirOther(_)) = self.toks.get(self.pos) {
            let takes_target = !matches!(self.toks[self.pos], Tok::RedirOther(false));
            self.pos += 1;
            if takes_target && matches!(self.toks.get(self.pos), Some(Tok::Word(_))) {
                self.pos += 1;
            }
        }
    }

    fn simple(&mut self) -> Result<(), ParseError> {
        let mut words = Vec::new();
        let mut quiet = false;
        loop {
            match self.toks.get(self.pos) {
                Some(Tok::Word(w)) => {
                    words.push(w.clone());
                    self.pos += 1;
                }
                Some(Tok::RedirOut) => {
                    self.pos += 1;
                    if let Some(Tok::Word(t)) = self.toks.get(self.pos) {
                        let to_stdout = matches!(t.0.as_slice(), [Part::Lit(s, _)] if s == "/dev/stdout" || s == "/proc/1/fd/1");
                        quiet |= !to_stdout;
                        self.pos += 1;
                    }
                }
                Some(Tok::RedirOther(target)) => {
                    let target = *target;
                    self.pos += 1;
                    if target && matches!(self.toks.get(self.pos), Some(Tok::Word(_))) {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        if words.is_empty() {
            return match self.toks.get(self.pos) {
                None => Ok(()),
                Some(t) => Err(ParseError(format!("syntax error: unexpected {t:?}"))),
            };
        }
        self.ops.push(Op::Cmd { words, quiet });
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Execution

/// What a running program does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Prints one line (without the newline).
    Output(String),
    /// Sleeps for this simulated duration.
    Sleep(Duration),
    /// Exits with this code.
    Exit(i32),
    /// Keeps running without doing anything observable until it is stopped.
    Forever,
}

/// What the process can see of its surroundings while it runs.
#[derive(Debug, Clone)]
pub struct ExecCtx {
    /// The wall-clock time now (for `date` and log timestamps).
    pub wall: SystemTime,
    /// How long a loop iteration that did not sleep takes.
    pub busy_loop: Duration,
}

#[derive(Debug, Clone)]
struct Frame {
    script: Arc<Script>,
    pc: usize,
    fors: Vec<VecDeque<String>>,
}

/// A running program: a stack of scripts (nested `sh -c` pushes one) with their variables.
#[derive(Debug, Clone)]
pub struct Process {
    frames: Vec<Frame>,
    status: i32,
    env: Vec<(String, String)>,
    partial: String,
    pending: VecDeque<Effect>,
    slept_in_iteration: bool,
    handles_sigterm: bool,
    exited: bool,
    forever: bool,
}

const SHELLS: &[&str] = &[
    "sh",
    "/bin/sh",
    "bash",
    "/bin/bash",
    "ash",
    "/bin/ash",
    "dash",
    "/bin/dash",
    "/usr/bin/bash",
];

/// Commands the simulated shell knows (beyond shells themselves).
const UTILITIES: &[&str] = &[
    "echo", "printf", "sleep", "exit", "true", "false", ":", "test", "[", "date", "hostname",
    "env", "printenv", "seq", "tail", "read", "trap", "export", "readonly", "local", "unset",
    "set", "cd", "mkdir", "touch", "rm", "cp", "mv", "chmod", "chown", "ln", "ulimit", "umask",
    "source", ".", "cat", "head", "ls", "wait", "kill", "sync", "wget", "curl", "nc", "nslookup",
    "ping", "apk", "apt-get", "apt", "yum", "dnf", "tee", "grep", "sed", "awk", "cut", "sort",
    "uniq", "tr", "xargs", "find", "stat", "du", "df", "id", "whoami", "uname", "nohup", "exec",
];

/// Whether the simulated shell knows `command` (a basename such as `sleep`).
pub fn is_utility(command: &str) -> bool {
    UTILITIES.contains(&command)
}

/// Whether `program` (argv\[0\]) is a shell.
pub fn is_shell(program: &str) -> bool {
    SHELLS.contains(&program)
}

impl Process {
    /// A process running `script` with these environment variables.
    pub fn new(script: Script, env: Vec<(String, String)>) -> Process {
        Process {
            frames: vec![Frame {
                fors: vec![VecDeque::new(); script.slots],
                script: Arc::new(script),
                pc: 0,
            }],
            status: 0,
            env,
            partial: String::new(),
            pending: VecDeque::new(),
            slept_in_iteration: false,
            handles_sigterm: false,
            exited: false,
            forever: false,
        }
    }

    /// Whether a `trap` installed a handler for SIGTERM (so the process exits when asked).
    pub fn handles_sigterm(&self) -> bool {
        self.handles_sigterm
    }

    fn var(&self, name: &str) -> String {
        match name {
            "?" => self.status.to_string(),
            "$" => "1".into(),
            "#" => "0".into(),
            "!" => String::new(),
            _ => self
                .env
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
        }
    }

    fn set_var(&mut self, name: &str, value: String) {
        if let Some(slot) = self.env.iter_mut().find(|(k, _)| k == name) {
            slot.1 = value;
        } else {
            self.env.push((name.to_string(), value));
        }
    }

    fn out(&mut self, text: &str) {
        self.partial.push_str(text);
        while let Some(nl) = self.partial.find('\n') {
            let line = self.partial[..nl].to_string();
            self.partial.drain(..=nl);
            self.pending.push_back(Effect::Output(line));
        }
    }

    fn flush_partial(&mut self) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.pending.push_back(Effect::Output(line));
        }
    }

    /// Expands a word into fields.
    fn expand(&self, w: &Word, ctx: &ExecCtx) -> Vec<String> {
        let mut fields: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut have = false;
        for part in &w.0 {
            // Literal text is never split; unquoted expansions are.
            let (text, quoted) = match part {
                Part::Lit(s, _) => (s.clone(), true),
                Part::Var(n, q) => (self.var(n), *q),
                Part::Arith(e) => (arith(e, self).to_string(), true),
                Part::Subst(cmd, q) => (self.capture(cmd, ctx), *q),
            };
            if quoted {
                cur.push_str(&text);
                have = true;
            } else {
                // Unquoted expansions split on whitespace.
                let mut pieces = text.split_whitespace().peekable();
                if text.starts_with(char::is_whitespace) && have {
                    fields.push(std::mem::take(&mut cur));
                    have = false;
                }
                while let Some(p) = pieces.next() {
                    cur.push_str(p);
                    have = true;
                    if pieces.peek().is_some() {
                        fields.push(std::mem::take(&mut cur));
                    }
                }
                if text.ends_with(char::is_whitespace) && have {
                    fields.push(std::mem::take(&mut cur));
                    have = false;
                }
            }
        }
        if have {
            fields.push(cur);
        }
        fields
    }

    /// Runs `cmd` to completion (sleeps take no time) and returns what it printed, trailing
    /// newlines removed — command substitution.
    fn capture(&self, cmd: &str, ctx: &ExecCtx) -> String {
        let Ok(script) = Script::parse(cmd) else {
            return String::new();
        };
        let mut sub = Process::new(script, self.env.clone());
        let mut out = Vec::new();
        for _ in 0..10_000 {
            match sub.step(ctx) {
                Effect::Output(l) => out.push(l),
                Effect::Sleep(_) => {}
                Effect::Exit(_) | Effect::Forever => break,
            }
        }
        out.join("\n")
    }

    /// Runs until the next observable effect. After `Exit`, keeps answering `Exit`.
    pub fn step(&mut self, ctx: &ExecCtx) -> Effect {
        for _ in 0..100_000 {
            if let Some(e) = self.pending.pop_front() {
                match e {
                    Effect::Exit(_) => self.exited = true,
                    Effect::Forever => self.forever = true,
                    _ => {}
                }
                return e;
            }
            if self.exited {
                return Effect::Exit(self.status);
            }
            if self.forever {
                return Effect::Forever;
            }
            let Some(frame) = self.frames.last_mut() else {
                self.flush_partial();
                self.pending.push_back(Effect::Exit(self.status));
                continue;
            };
            let Some(op) = frame.script.ops.get(frame.pc).cloned() else {
                self.frames.pop();
                continue;
            };
            frame.pc += 1;
            match op {
                Op::Jump(t) => self.jump(t),
                Op::JumpIfFail(t) => {
                    if self.status != 0 {
                        self.jump(t);
                    }
                }
                Op::JumpIfOk(t) => {
                    if self.status == 0 {
                        self.jump(t);
                    }
                }
                Op::ForInit { var, items, slot } => {
                    let mut list = VecDeque::new();
                    for w in &items {
                        list.extend(self.expand(w, ctx));
                    }
                    list.push_front(var);
                    if let Some(f) = self.frames.last_mut() {
                        f.fors[slot] = list;
                    }
                }
                Op::ForNext { slot, end } => {
                    let next = self.frames.last_mut().and_then(|f| {
                        let var = f.fors[slot].front().cloned()?;
                        if f.fors[slot].len() < 2 {
                            return None;
                        }
                        let v = f.fors[slot].remove(1)?;
                        Some((var, v))
                    });
                    match next {
                        Some((var, v)) => self.set_var(&var, v),
                        None => self.jump(end),
                    }
                }
                // SIMPLIFICATION: an iteration without a sleep still takes `busy_loop`.
                Op::LoopTick => {
                    if !self.slept_in_iteration {
                        self.pending.push_back(Effect::Sleep(ctx.busy_loop));
                    }
                    self.slept_in_iteration = false;
                }
                Op::Print(line) => self.out(&format!("{line}\n")),
                Op::Forever => {
                    self.flush_partial();
                    self.pending.push_back(Effect::Forever);
                }
                Op::Exit(code) => {
                    self.status = code;
                    self.frames.clear();
                }
                Op::Cmd { words, quiet } => self.run_command(&words, quiet, ctx),
            }
        }
        // A script that never yields (a huge loop without sleep) is cut short here.
        Effect::Sleep(ctx.busy_loop)
    }

    fn jump(&mut self, target: usize) {
        if let Some(f) = self.frames.last_mut() {
            f.pc = target;
        }
    }

    fn run_command(&mut self, words: &[Word], quiet: bool, ctx: &ExecCtx) {
        let mut argv: Vec<String> = Vec::new();
        let mut assignments = Vec::new();
        for w in words {
            let fields = self.expand(w, ctx);
            if argv.is_empty()
                && let Some(Part::Lit(first, false)) = w.0.first()
                && let Some((name, _)) = first.split_once('=')
                && !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                let value = fields.join(" ");
                let v = value.split_once('=').map(|x| x.1).unwrap_or("").to_string();
                assignments.push((name.to_string(), v));
                continue;
            }
            argv.extend(fields);
        }
        if argv.is_empty() {
            for (k, v) in assignments {
                self.set_var(&k, v);
            }
            self.status = 0;
            return;
        }
        let before = self.pending.len();
        let partial_before = self.partial.clone();
        self.builtin(&argv, ctx);
        if quiet {
            // Output went to a file: drop what this command printed.
            let keep: VecDeque<Effect> = self
                .pending
                .drain(..)
                .enumerate()
                .filter(|(i, e)| *i < before || !matches!(e, Effect::Output(_)))
                .map(|(_, e)| e)
                .collect();
            self.pending = keep;
            self.partial = partial_before;
        }
    }

    fn builtin(&mut self, argv: &[String], ctx: &ExecCtx) {
        let name = argv[0].rsplit('/').next().unwrap_or(&argv[0]).to_string();
        let args = &argv[1..];
        self.status = 0;
        match name.as_str() {
            "echo" => {
                let mut newline = true;
                let mut escapes = false;
                let mut rest = args;
                while let Some(flag) = rest.first() {
                    match flag.as_str() {
                        "-n" => newline = false,
                        "-e" => escapes = true,
                        "-ne" | "-en" => {
                            newline = false;
                            escapes = true;
                        }
                        "-E" => escapes = false,
                        _ => break,
                    }
                    rest = &rest[1..];
                }
                let mut text = rest.join(" ");
                if escapes {
                    text = unescape(&text);
                }
                if newline {
                    text.push('\n');
                }
                self.out(&text);
            }
            "printf" => {
                if let Some((fmt, rest)) = args.split_first() {
                    let text = printf(fmt, rest);
                    self.out(&text);
                }
            }
            "sleep" => {
                let mut total = Duration::ZERO;
                for a in args {
                    if a == "infinity" || a == "inf" {
                        self.pending.push_back(Effect::Forever);
                        return;
                    }
                    match parse_sleep(a) {
                        Some(d) => total += d,
                        None => {
                            self.out(&format!("sleep: invalid number '{a}'\n"));
                            self.status = 1;
                            return;
                        }
                    }
                }
                if args.is_empty() {
                    self.out("sleep: missing operand\n");
                    self.status = 1;
                    return;
                }
                self.slept_in_iteration = true;
                self.pending.push_back(Effect::Sleep(total));
            }
            "exit" => {
                let code = args
                    .first()
                    .map(|a| a.parse::<i64>().map(|c| (c & 0xff) as i32).unwrap_or(2))
                    .unwrap_or(self.status);
                self.status = code;
                if self.frames.len() > 1 {
                    self.frames.pop();
                } else {
                    self.frames.clear();
                    self.flush_partial();
                }
            }
            "true" | ":" => {}
            "false" => self.status = 1,
            "test" | "[" => {
                let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
                if name == "[" && a.last() == Some(&"]") {
                    a.pop();
                }
                self.status = if eval_test(&a) { 0 } else { 1 };
            }
            "date" => {
                let text = format_wall(ctx.wall, "%a %b %e %H:%M:%S UTC %Y");
                self.out(&format!("{text}\n"));
            }
            "hostname" => {
                let h = self.var("HOSTNAME");
                self.out(&format!("{h}\n"));
            }
            "env" | "printenv" if args.is_empty() => {
                let lines: String = self.env.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
                self.out(&lines);
            }
            "printenv" => {
                let mut found = false;
                for a in args {
                    if let Some((_, v)) = self.env.iter().rev().find(|(k, _)| k == a) {
                        let v = v.clone();
                        self.out(&format!("{v}\n"));
                        found = true;
                    }
                }
                if !found {
                    self.status = 1;
                }
            }
            "seq" => {
                let nums: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
                let (from, step, to) = match nums.as_slice() {
                    [to] => (1, 1, *to),
                    [from, to] => (*from, 1, *to),
                    [from, step, to] => (*from, *step, *to),
                    _ => (1, 1, 0),
                };
                let mut i = from;
                let mut text = String::new();
                while step != 0 && ((step > 0 && i <= to) || (step < 0 && i >= to)) {
                    text.push_str(&format!("{i}\n"));
                    i += step;
                    if text.len() > 1_000_000 {
                        break;
                    }
                }
                self.out(&text);
            }
            "tail" if args.iter().any(|a| a == "-f" || a == "-F") => {
                self.pending.push_back(Effect::Forever);
            }
            "read" => self.status = 1,
            "trap" => {
                if args.len() >= 2 {
                    let handles = args[1..]
                        .iter()
                        .any(|s| matches!(s.as_str(), "TERM" | "SIGTERM" | "15" | "EXIT" | "0"));
                    if handles && !args[0].is_empty() && args[0] != "-" {
                        self.handles_sigterm = true;
                    }
                }
            }
            "export" | "readonly" | "local" => {
                for a in args {
                    if let Some((k, v)) = a.split_once('=') {
                        self.set_var(k, v.to_string());
                    }
                }
            }
            "unset" => {
                self.env.retain(|(k, _)| !args.contains(k));
            }
            "set" | "cd" | "mkdir" | "touch" | "rm" | "cp" | "mv" | "chmod" | "chown" | "ln"
            | "ulimit" | "umask" | "source" | "." | "cat" | "tail" | "head" | "ls" | "wait"
            | "kill" | "sync" | "wget" | "curl" | "nc" | "nslookup" | "ping" | "apk"
            | "apt-get" | "apt" | "yum" | "dnf" | "tee" | "grep" | "sed" | "awk" | "cut"
            | "sort" | "uniq" | "tr" | "xargs" | "find" | "stat" | "du" | "df" | "id"
            | "whoami" | "uname" | "nohup" | "exec" => {
                if name == "exec" && !args.is_empty() {
                    self.builtin(args, ctx);
                    return;
                }
                if name == "nohup" && !args.is_empty() {
                    self.builtin(args, ctx);
                    return;
                }
                if name == "uname" {
                    self.out("Linux\n");
                }
                if name == "whoami" {
                    self.out("root\n");
                }
                if name == "id" {
                    self.out("uid=0(root) gid=0(root) groups=0(root),10(wheel)\n");
                }
            }
            _ if is_shell(&argv[0]) || is_shell(&name) => {
                // `sh -c 'script'` runs the script in a nested frame; a shell with no script
                // reads its empty standard input and exits.
                if args.first().map(String::as_str) == Some("-c") {
                    let src = args.get(1).cloned().unwrap_or_default();
                    match Script::parse(&src) {
                        Ok(script) => self.frames.push(Frame {
                            fors: vec![VecDeque::new(); script.slots],
                            script: Arc::new(script),
                            pc: 0,
                        }),
                        Err(ParseError(msg)) => {
                            self.out(&format!("sh: {msg}\n"));
                            self.status = 2;
                        }
                    }
                }
            }
            _ => {
                self.out(&format!("sh: {}: not found\n", argv[0]));
                self.status = 127;
            }
        }
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn printf(fmt: &str, args: &[String]) -> String {
    let fmt = unescape(fmt);
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s') | Some('d') | Some('i') | Some('u') | Some('f') | Some('x') => {
                out.push_str(args.next().map(String::as_str).unwrap_or(""))
            }
            Some(o) => {
                out.push('%');
                out.push(o);
            }
            None => out.push('%'),
        }
    }
    out
}

/// `sleep`'s argument: seconds with an optional fraction and suffix (`s`, `m`, `h`, `d`).
fn parse_sleep(a: &str) -> Option<Duration> {
    let (num, mult) = match a.chars().last()? {
        's' => (&a[..a.len() - 1], 1.0),
        'm' => (&a[..a.len() - 1], 60.0),
        'h' => (&a[..a.len() - 1], 3600.0),
        'd' => (&a[..a.len() - 1], 86400.0),
        _ => (a, 1.0),
    };
    let v: f64 = num.parse().ok()?;
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(v * mult).ok()
}

fn eval_test(a: &[&str]) -> bool {
    match a {
        [] => false,
        ["!", rest @ ..] => !eval_test(rest),
        [s] => !s.is_empty(),
        ["-z", s] => s.is_empty(),
        ["-n", s] => !s.is_empty(),
        ["-f" | "-e" | "-s" | "-r" | "-w" | "-x", _] => false,
        ["-d", p] => matches!(*p, "/" | "/tmp" | "/etc" | "/root" | "/var"),
        [l, "=" | "==", r] => l == r,
        [l, "!=", r] => l != r,
        [l, "-a", r] => !l.is_empty() && !r.is_empty(),
        [l, op, r] => {
            let (Ok(l), Ok(r)) = (l.parse::<i64>(), r.parse::<i64>()) else {
                return false;
            };
            match *op {
                "-eq" => l == r,
                "-ne" => l != r,
                "-lt" => l < r,
                "-le" => l <= r,
                "-gt" => l > r,
                "-ge" => l >= r,
                _ => false,
            }
        }
        _ => false,
    }
}

/// Evaluates `$((expr))`: integers, variables, `+ - * / %`, comparisons and parentheses.
fn arith(expr: &str, p: &Process) -> i64 {
    let toks: Vec<String> = {
        let mut v = Vec::new();
        let chars: Vec<char> = expr.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() {
                i += 1;
            } else if c.is_ascii_alphanumeric() || c == '_' || c == '$' {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                v.push(chars[start..i].iter().collect());
            } else {
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                if ["<=", ">=", "==", "!="].contains(&two.as_str()) {
                    v.push(two);
                    i += 2;
                } else {
                    v.push(c.to_string());
                    i += 1;
                }
            }
        }
        v
    };
    let mut pos = 0;
    arith_expr(&toks, &mut pos, p, 0)
}

fn arith_prec(op: &str) -> Option<u8> {
    match op {
        "==" | "!=" => Some(1),
        "<" | ">" | "<=" | ">=" => Some(2),
        "+" | "-" => Some(3),
        "*" | "/" | "%" => Some(4),
        _ => None,
    }
}

fn arith_expr(t: &[String], pos: &mut usize, p: &Process, min: u8) -> i64 {
    let mut lhs = arith_atom(t, pos, p);
    while let Some(op) = t.get(*pos) {
        let Some(prec) = arith_prec(op) else { break };
        if prec < min {
            break;
        }
        let op = op.clone();
        *pos += 1;
        let rhs = arith_expr(t, pos, p, prec + 1);
        lhs = match op.as_str() {
            "+" => lhs.wrapping_add(rhs),
            "-" => lhs.wrapping_sub(rhs),
            "*" => lhs.wrapping_mul(rhs),
            "/" => lhs.checked_div(rhs).unwrap_or(0),
            "%" => lhs.checked_rem(rhs).unwrap_or(0),
            "<" => (lhs < rhs) as i64,
            ">" => (lhs > rhs) as i64,
            "<=" => (lhs <= rhs) as i64,
            ">=" => (lhs >= rhs) as i64,
            "==" => (lhs == rhs) as i64,
            _ => (lhs != rhs) as i64,
        };
    }
    lhs
}

fn arith_atom(t: &[String], pos: &mut usize, p: &Process) -> i64 {
    let Some(tok) = t.get(*pos) else { return 0 };
    *pos += 1;
    match tok.as_str() {
        "(" => {
            let v = arith_expr(t, pos, p, 0);
            if t.get(*pos).map(String::as_str) == Some(")") {
                *pos += 1;
            }
            v
        }
        "-" => -arith_atom(t, pos, p),
        "+" => arith_atom(t, pos, p),
        _ => tok.parse::<i64>().unwrap_or_else(|_| {
            p.var(tok.trim_start_matches('$'))
                .trim()
                .parse()
                .unwrap_or(0)
        }),
    }
}

/// Formats a wall-clock time with a strftime pattern, in UTC.
pub fn format_wall(wall: SystemTime, pattern: &str) -> String {
    let ts = jiff::Timestamp::try_from(wall).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.to_zoned(jiff::tz::TimeZone::UTC)
        .strftime(pattern)
        .to_string()
}

#[cfg(test)]
mod tests;
