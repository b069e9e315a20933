//! Writes the link order of a plugin binary (the plugin, or the bench's floor): the functions its
//! start-up and Configure run, for lld's `--symbol-ordering-file`, and the read-only data they
//! read, as a linker script placing those input sections first in `.rodata` and `.data.rel.ro`
//! (see provider/link_args.rs).
//! The kernel maps a binary's pages 64 KiB at a time around each fault, so the RSS after
//! Configure follows how many 64 KiB windows the code that ran is spread over, not how much ran.
//! Placed together (fat LTO), the plugin's resident pages of its own binary after Configure went
//! from 5.0 to 2.2 MiB.
//!
//! The same holds for data: rustc's constants (strings, vtables, tables) are private symbols
//! that an ordering file cannot name, each in its own input section; 20 KiB of them read at
//! start-up were spread over all of `.rodata`'s 64 KiB windows. Placed first, the plugin's
//! resident `.rodata` after Configure went from 624 to 240 KiB and `.data.rel.ro` from 356 to
//! 100 KiB (the floor's: 432 to 240, 188 to 124).
//!
//! usage: link_order BINARY LINK_MAP OUT DATA_OUT
//!
//! BINARY runs under valgrind's callgrind through Handshake, CheckConfig and Configure against
//! the emulator, and is stopped with SIGTERM (callgrind writes its profile as the process ends).
//! Each instruction it ran in BINARY is found in LINK_MAP (lld's `-Map` of the link that made
//! BINARY), and the symbols of the sections they fall in are written to OUT, one per line, in
//! address order. Then it runs again under valgrind's lackey, which logs every data access; the
//! input sections of `.rodata` and `.data.rel.ro` those fall in are written to DATA_OUT as
//! `SECTIONS ... INSERT` commands, which leave the rest of lld's layout as it is.

use integration_tests::{ProviderProcess, emulator, fast_settings, process, rpc, start_emulator};
use serde_json::json;
use std::collections::BTreeSet;
use std::process::Command;

/// The read-only data output sections the script orders, each with the output section it stays
/// before (where lld puts it anyway), so `INSERT BEFORE` moves nothing else.
const DATA_OUTPUTS: [(&str, &str); 2] = [(".rodata", ".gcc_except_table"), (".data.rel.ro", ".dynamic")];

/// One entry of an lld map: its address, size, the column its name starts in (which says whether
/// it is an output section, an input section or a symbol) and the name.
fn map_entry(line: &str) -> Option<(u64, u64, usize, &str)> {
    let cols: Vec<&str> = line.split_whitespace().collect();
    if cols.len() < 5 {
        return None;
    }
    let (vma, size) = (u64::from_str_radix(cols[0], 16).ok()?, u64::from_str_radix(cols[2], 16).ok()?);
    // The name: what follows the fourth column (VMA, LMA, Size, Align).
    let mut rest = line;
    for _ in 0..4 {
        rest = rest.trim_start();
        rest = &rest[rest.find(char::is_whitespace).unwrap_or(rest.len())..];
    }
    let name = rest.trim_start();
    Some((vma, size, line.len() - name.len(), name))
}

/// What an lld map entry is: the column its name starts in says.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Output,
    Input,
    Symbol,
}

/// The entries of an lld map: address, size, kind and name. The map's header names its columns.
fn map_entries(map: &str) -> impl Iterator<Item = (u64, u64, Kind, &str)> {
    let mut lines = map.lines();
    let header = lines.next().unwrap_or("");
    let (Some(input_col), Some(symbol_col)) = (header.find(" In ").map(|i| i + 1), header.find("Symbol")) else {
        panic!("not an lld map: {header:?}");
    };
    lines.filter_map(move |line| {
        let (vma, size, column, name) = map_entry(line)?;
        let kind = if column < input_col {
            Kind::Output
        } else if column < symbol_col {
            Kind::Input
        } else {
            Kind::Symbol
        };
        Some((vma, size, kind, name))
    })
}

/// The input sections of `.text` in an lld map: (start, end, the first symbol defined in it).
fn text_sections(map: &str) -> Vec<(u64, u64, String)> {
    let mut sections = Vec::new();
    let mut in_text = false;
    let mut pending: Option<(u64, u64)> = None;
    for (vma, size, kind, name) in map_entries(map) {
        match kind {
            Kind::Output => in_text = name == ".text",
            Kind::Input if in_text => {
                pending = (size > 0 && name.contains(":(.text")).then_some((vma, vma + size));
            }
            Kind::Symbol if in_text => {
                if let Some((start, end)) = pending.take() {
                    sections.push((start, end, name.to_string()));
                }
            }
            _ => {}
        }
    }
    sections.sort();
    sections
}

/// The input sections of the output sections `outputs` in an lld map: (start, end, output
/// section, input section name), the name being what the map prints in parentheses after the
/// object (the same name in two objects is one pattern of the script, and is ordered as one).
fn data_sections(map: &str, outputs: &[&str]) -> Vec<(u64, u64, String, String)> {
    let mut sections = Vec::new();
    let mut output: Option<&str> = None;
    for (vma, size, kind, name) in map_entries(map) {
        if kind == Kind::Output {
            output = outputs.iter().find(|o| **o == name).copied();
        } else if kind == Kind::Input
            && size > 0
            && let Some(out) = output
            && let Some(section) = name.rsplit_once(":(").and_then(|(_, s)| s.strip_suffix(')'))
        {
            sections.push((vma, vma + size, out.to_string(), section.to_string()));
        }
    }
    sections.sort();
    sections
}

/// The data addresses (loads, stores, modifies) in lackey's `--trace-mem=yes` log.
fn data_accesses(log: impl std::io::BufRead) -> BTreeSet<u64> {
    log.lines()
        .map_while(Result::ok)
        .filter_map(|l| {
            let access = l.strip_prefix(" L ").or(l.strip_prefix(" S ")).or(l.strip_prefix(" M "))?;
            u64::from_str_radix(access.split(',').next()?, 16).ok()
        })
        .collect()
}

/// The linker script placing `read` (output section, input section name), in the order given,
/// first in each of [`DATA_OUTPUTS`]; the sections not named follow as lld places them.
fn data_script(read: &[(String, String)]) -> String {
    let mut script = String::from(
        "/* Written by `make link-order` (tests/integration/src/bin/link_order.rs): the read-only data\n   \
         that start-up and Configure read, placed first in its output section. */\n",
    );
    for (output, before) in DATA_OUTPUTS {
        script.push_str(&format!("SECTIONS\n{{\n  {output} :\n  {{\n"));
        for (_, section) in read.iter().filter(|(o, _)| o == output) {
            script.push_str(&format!("    *({section})\n"));
        }
        script.push_str(&format!("  }}\n}}\nINSERT BEFORE {before};\n"));
    }
    script
}

/// The instruction addresses callgrind recorded in object `object` (`--dump-instr=yes`).
fn executed(profile: &str, object: &str) -> BTreeSet<u64> {
    let mut objects = std::collections::HashMap::new();
    let mut current = false;
    let mut last = 0u64;
    let mut addresses = BTreeSet::new();
    let number = |s: &str| match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    };
    for line in profile.lines() {
        if let Some((own, rest)) = line
            .strip_prefix("ob=")
            .map(|r| (true, r))
            .or(line.strip_prefix("cob=").map(|r| (false, r)))
        {
            // `ob=(id) name` names an object, `ob=(id)` refers to one named before (in an
            // `ob=` or in a call's `cob=`); only `ob=` says whose the next costs are.
            let (id, name) = rest.split_once(' ').unwrap_or((rest, ""));
            if !name.is_empty() {
                objects.insert(id.to_string(), name.to_string());
            }
            if own {
                let file = |n: &String| std::path::Path::new(n).file_name().is_some_and(|f| f == object);
                current = objects.get(id).is_some_and(file);
            }
            continue;
        }
        let first = line.split_whitespace().next().unwrap_or("");
        // Cost lines start with the instruction's position: absolute, relative, or the same.
        let position = if first == "*" {
            Some(last)
        } else if let Some(d) = first.strip_prefix('+') {
            number(d).map(|d| last.wrapping_add(d))
        } else if let Some(d) = first.strip_prefix('-') {
            number(d).map(|d| last.wrapping_sub(d))
        } else if first.starts_with("0x") {
            number(first)
        } else {
            None
        };
        if let Some(p) = position {
            last = p;
            if current {
                addresses.insert(p);
            }
        }
    }
    addresses
}

/// `binary` under valgrind's `tool` with `tool_args`, through start-up, Handshake and Configure
/// against the emulator, then stopped with SIGTERM (valgrind's tools write their output as it
/// ends). Returns the temporary file the tool wrote, named to it by `out_flag`.
fn run_under_valgrind(rt: &tokio::runtime::Runtime, tool: &str, tool_args: &[&str], out_flag: &str, binary: &str) -> std::path::PathBuf {
    let out = std::env::temp_dir().join(format!("link-order-{}.{tool}", std::process::id()));
    rt.block_on(async {
        let em = start_emulator(fast_settings()).await;
        let mut cmd = Command::new("valgrind");
        cmd.arg(format!("--tool={tool}"))
            .args(tool_args)
            .arg(format!("{out_flag}={}", out.display()))
            .arg(binary);
        let mut p = ProviderProcess::launch(cmd, &[], &[]);
        let mut c = rpc::connect(p.port).await;
        let cfg = json!({"region": "us-east-1", "accessKey": emulator::DEFAULT_ACCESS_KEY, "secretKey": emulator::DEFAULT_SECRET_KEY, "endpoint": em.url});
        rpc::configure(&mut c, None, cfg).await.expect("Configure");
        process::terminate(&p.child.id().to_string());
        let _ = p.child.wait();
    });
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [binary, map, out, data_out] = args.as_slice() else {
        eprintln!("usage: link_order BINARY LINK_MAP OUT DATA_OUT");
        std::process::exit(2);
    };
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let profile = run_under_valgrind(
        &rt,
        "callgrind",
        &["--dump-instr=yes", "--dump-line=no"],
        "--callgrind-out-file",
        binary,
    );
    let profile_text = std::fs::read_to_string(&profile).unwrap_or_else(|e| panic!("{}: {e}", profile.display()));
    let _ = std::fs::remove_file(&profile);
    let map_text = std::fs::read_to_string(map).unwrap_or_else(|e| panic!("{map}: {e}"));
    let name = std::path::Path::new(binary).file_name().and_then(|n| n.to_str()).unwrap_or(binary);
    let ran = executed(&profile_text, name);
    let sections = text_sections(&map_text);
    let mut placed = Vec::new();
    let mut seen = BTreeSet::new();
    for a in &ran {
        let i = sections.partition_point(|(start, _, _)| *start <= *a);
        if let Some((_, end, symbol)) = i.checked_sub(1).map(|i| &sections[i])
            && a < end
            && seen.insert(symbol.as_str())
        {
            placed.push(symbol.as_str());
        }
    }
    assert!(
        !placed.is_empty(),
        "none of the {} addresses {binary} ran is in a .text section of {map}: is the map from the link that made it?",
        ran.len()
    );
    let bytes: u64 = sections
        .iter()
        .filter(|(_, _, s)| seen.contains(s.as_str()))
        .map(|(start, end, _)| end - start)
        .sum();
    std::fs::write(out, placed.join("\n") + "\n").unwrap_or_else(|e| panic!("{out}: {e}"));
    println!(
        "{out}: {} functions ({} KiB of code) of {} in .text",
        placed.len(),
        bytes / 1024,
        sections.len()
    );

    let log = run_under_valgrind(&rt, "lackey", &["--trace-mem=yes"], "--log-file", binary);
    let accessed = data_accesses(std::io::BufReader::new(
        std::fs::File::open(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display())),
    ));
    let _ = std::fs::remove_file(&log);
    let outputs = DATA_OUTPUTS.map(|(o, _)| o);
    let data = data_sections(&map_text, &outputs);
    let mut read = Vec::new();
    let mut named = BTreeSet::new();
    let mut read_bytes = 0;
    for (start, end, output, section) in &data {
        let first = accessed.range(start..end).next();
        if first.is_some() && named.insert((output, section)) {
            read.push((output.clone(), section.clone()));
            read_bytes += end - start;
        }
    }
    std::fs::write(data_out, data_script(&read)).unwrap_or_else(|e| panic!("{data_out}: {e}"));
    println!(
        "{data_out}: {} input sections ({} KiB) of {} in {}",
        read.len(),
        read_bytes / 1024,
        data.len(),
        outputs.join(" and ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only `.text`'s input sections count, each named by the first symbol defined in it.
    #[test]
    fn sections_of_text_from_an_lld_map() {
        // The first line is the header; the continuation of a plain literal would eat its indent.
        let map = &r#"
             VMA              LMA     Size Align Out     In      Symbol
          200000           200000       10     8 .rodata
          200000           200000       10     8         a.o:(.rodata.x)
          200000           200000        0     1                 _ZN1x17h0E
          300000           300000      100    16 .text
          300000           300000       40    16         a.o:(.text._ZN4main17h1E)
          300000           300000        0     1                 _ZN4main17h1E
          300040           300040        0    16         b.o:(.text.empty)
          300040           300040       c0    16         c.o:(.text)
          300040           300040        0     1                 deflate_fast
          300060           300060        0     1                 deflate_slow
          400000           400000       20     8 .data
"#[1..];
        assert_eq!(
            text_sections(map),
            vec![
                (0x300000, 0x300040, "_ZN4main17h1E".to_string()),
                (0x300040, 0x300100, "deflate_fast".to_string()),
            ]
        );
    }

    /// Positions are absolute, relative or repeated; objects are named by `ob=` or a call's
    /// `cob=`, and only the costs under the named object's `ob=` count.
    #[test]
    fn executed_addresses_of_one_object() {
        let profile = "\
positions: instr
events: Ir
ob=(1) /usr/lib/libc.so.6
fn=(1) malloc
0x5000 3
+4 1
fn=(2) 0x300000
cob=(2) /work/target/release/plugin
cfn=(3) 0x300040
calls=1 0x300040
0x5010 9
ob=(2)
fn=(3)
0x300040 2
+8 1
* 1
-4 1
";
        let ran: Vec<u64> = executed(profile, "plugin").into_iter().collect();
        assert_eq!(ran, vec![0x300040, 0x300044, 0x300048]);
    }

    /// Only the named output sections' non-empty input sections count, each named by what the
    /// map prints in parentheses; symbols and other output sections are not.
    #[test]
    fn data_sections_of_the_named_outputs() {
        let map = &r#"
             VMA              LMA     Size Align Out     In      Symbol
          200000           200000       30     8 .rodata
          200000           200000       10     8         a.o:(.rodata..Lanon.1)
          200000           200000        0     1                 anon.1
          200010           200010        0     8         a.o:(.rodata.empty)
          200010           200010       20    16         <internal>:(.rodata.cst16)
          300000           300000      100    16 .text
          300000           300000      100    16         a.o:(.text.f)
          400000           400000       18     8 .data.rel.ro
          400000           400000       18     8         b.o:(.data.rel.ro..Lvtable)
          500000           500000        8     8 .data
          500000           500000        8     8         b.o:(.data.x)
"#[1..];
        let s = |a, b, o: &str, n: &str| (a, b, o.to_string(), n.to_string());
        assert_eq!(
            data_sections(map, &[".rodata", ".data.rel.ro"]),
            vec![
                s(0x200000, 0x200010, ".rodata", ".rodata..Lanon.1"),
                s(0x200010, 0x200030, ".rodata", ".rodata.cst16"),
                s(0x400000, 0x400018, ".data.rel.ro", ".data.rel.ro..Lvtable"),
            ]
        );
    }

    /// Loads, stores and modifies count; instruction fetches and valgrind's own lines do not.
    #[test]
    fn data_accesses_from_a_lackey_log() {
        let log = "==7== Lackey, an example Valgrind tool\nI  00401000,3\n L 00200008,8\n S 1ffefff0,8\n M 00400010,4\n==7== \n";
        let seen: Vec<u64> = data_accesses(log.as_bytes()).into_iter().collect();
        assert_eq!(seen, vec![0x00200008, 0x00400010, 0x1ffefff0]);
    }

    /// Each output section gets its own `SECTIONS ... INSERT BEFORE`, listing its read input
    /// sections in the order given, and only those.
    #[test]
    fn data_script_orders_each_output_section() {
        let read = [
            (".rodata", ".rodata.b"),
            (".data.rel.ro", ".data.rel.ro.v"),
            (".rodata", ".rodata.a"),
        ]
        .map(|(o, s)| (o.to_string(), s.to_string()));
        let script = data_script(&read);
        let body: Vec<&str> = script.lines().skip_while(|l| !l.starts_with("SECTIONS")).map(str::trim).collect();
        assert_eq!(
            body,
            [
                "SECTIONS",
                "{",
                ".rodata :",
                "{",
                "*(.rodata.b)",
                "*(.rodata.a)",
                "}",
                "}",
                "INSERT BEFORE .gcc_except_table;",
                "SECTIONS",
                "{",
                ".data.rel.ro :",
                "{",
                "*(.data.rel.ro.v)",
                "}",
                "}",
                "INSERT BEFORE .dynamic;",
            ]
        );
    }
}
