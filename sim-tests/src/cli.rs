//! The `ferrous-sim` command line: which seeds to run and how.

pub const USAGE: &str = "\
usage: ferrous-sim [--crash | --repl] --seed N [--steps M] [--verbose]
       ferrous-sim [--crash | --repl] --seeds A..B [--steps M]     (seeds A to B-1)
       ferrous-sim [--crash | --repl] --random N [--steps M]       (N fresh random seeds)

  --crash       crash runs: the server persists, crashes and restarts from its disk
  --repl        replication runs: a master and two replicas (maybe chained) under faults
                must reach equal offsets and digests
  --seed N      replay one run; prints a summary and, last, `trace-hash: <hex>`
  --steps M     steps of client activity per run (default 20000)
  --verbose     print every event, output and client action as it happens";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    One(u64),
    /// Seeds `start..end`.
    Range(u64, u64),
    Random(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cli {
    pub mode: Mode,
    pub steps: Option<u64>,
    pub verbose: bool,
    /// Crash runs instead of the model runs.
    pub crash: bool,
    /// Replication runs instead of the model runs.
    pub repl: bool,
}

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Cli, String> {
    let mut args = args.into_iter();
    let mut mode = None;
    let mut cli = Cli {
        mode: Mode::One(0),
        steps: None,
        verbose: false,
        crash: false,
        repl: false,
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        let chosen = match arg.as_str() {
            "--seed" => Some(Mode::One(number(&value()?)?)),
            "--seeds" => Some(range(&value()?)?),
            "--random" => Some(Mode::Random(number(&value()?)?)),
            "--steps" => {
                cli.steps = Some(number(&value()?)?);
                None
            }
            "--verbose" | "-v" => {
                cli.verbose = true;
                None
            }
            "--crash" => {
                cli.crash = true;
                None
            }
            "--repl" => {
                cli.repl = true;
                None
            }
            other => return Err(format!("unknown argument {other:?}")),
        };
        if let Some(m) = chosen {
            if mode.replace(m).is_some() {
                return Err("give one of --seed, --seeds, --random".into());
            }
        }
    }
    cli.mode = mode.ok_or("give one of --seed, --seeds, --random")?;
    if cli.crash && cli.repl {
        return Err("give one of --crash, --repl".into());
    }
    Ok(cli)
}

fn number(s: &str) -> Result<u64, String> {
    s.parse().map_err(|_| format!("not a number: {s:?}"))
}

fn range(s: &str) -> Result<Mode, String> {
    let (a, b) = s.split_once("..").ok_or(format!("not a range A..B: {s:?}"))?;
    let (a, b) = (number(a)?, number(b)?);
    if a >= b {
        return Err(format!("empty range {s:?}"));
    }
    Ok(Mode::Range(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Cli, String> {
        parse(s.split_whitespace().map(String::from))
    }

    #[test]
    fn parses_the_three_modes_and_flags() {
        let c = p("--seed 42 --steps 100 --verbose").unwrap();
        assert_eq!(c.mode, Mode::One(42));
        assert_eq!(c.steps, Some(100));
        assert!(c.verbose);
        assert_eq!(p("--seeds 3..7").unwrap().mode, Mode::Range(3, 7));
        assert_eq!(p("--random 5").unwrap().mode, Mode::Random(5));
        assert!(p("--crash --seeds 1..3").unwrap().crash);
        assert!(!p("--seed 1").unwrap().crash);
        let r = p("--repl --seed 9").unwrap();
        assert!(r.repl && !r.crash);
        assert_eq!(r.mode, Mode::One(9));
        assert!(p("--seeds 0..500 --repl").unwrap().repl);
        assert!(!p("--seed 1").unwrap().repl);
    }

    #[test]
    fn rejects_bad_command_lines() {
        for bad in [
            "",
            "--seed",
            "--seed x",
            "--seeds 5..5",
            "--seeds 5",
            "--seed 1 --random 2",
            "--frob",
            "--seed 1 --known-bugs",
            "--repl",
            "--crash --repl --seed 1",
        ] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
    }
}
