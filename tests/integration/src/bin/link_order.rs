//! Writes the link order of a plugin binary (the plugin, or the bench's floor): the functions its
//! start-up and Configure run, for lld's `--symbol-ordering-file` (see provider/link_args.rs).
//! The kernel maps a binary's pages 64 KiB at a time around each fault, so the RSS after
//! Configure follows how many 64 KiB windows the code that ran is spread over, not how much ran.
//! Placed together (fat LTO), the plugin's resident pages of its own binary after Configure went
//! from 5.0 to 2.2 MiB.
//!
//! usage: link_order BINARY LINK_MAP OUT
//!
//! BINARY runs under valgrind's callgrind through Handshake, CheckConfig and Configure against
//! the emulator, and is stopped with SIGTERM (callgrind writes its profile as the process ends).
//! Each instruction it ran in BINARY is found in LINK_MAP (lld's `-Map` of the link that made
//! BINARY), and the symbols of the sections they fall in are written to OUT, one per line, in
//! address order.

use integration_tests::{ProviderProcess, emulator, fast_settings, process, rpc, start_emulator};
use serde_json::json;
use std::collections::BTreeSet;
use std::process::Command;

/// The input sections of `.text` in an lld map: (start, end, the first symbol defined in it).
/// The map's header names its columns; an entry's kind is the column its name starts in.
fn text_sections(map: &str) -> Vec<(u64, u64, String)> {
    let mut lines = map.lines();
    let header = lines.next().unwrap_or("");
    let (Some(input_col), Some(symbol_col)) = (header.find(" In ").map(|i| i + 1), header.find("Symbol")) else {
        panic!("not an lld map: {header:?}");
    };
    let mut sections = Vec::new();
    let mut in_text = false;
    let mut pending: Option<(u64, u64)> = None;
    for line in lines {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 5 {
            continue;
        }
        let (Ok(vma), Ok(size)) = (u64::from_str_radix(cols[0], 16), u64::from_str_radix(cols[2], 16)) else {
            continue;
        };
        // The name: what follows the fourth column (VMA, LMA, Size, Align).
        let mut rest = line;
        for _ in 0..4 {
            rest = rest.trim_start();
            rest = &rest[rest.find(char::is_whitespace).unwrap_or(rest.len())..];
        }
        let name = rest.trim_start();
        let column = line.len() - name.len();
        if column < input_col {
            in_text = name == ".text";
        } else if in_text && column < symbol_col {
            pending = (size > 0 && name.contains(":(.text")).then_some((vma, vma + size));
        } else if in_text && let Some((start, end)) = pending.take() {
            sections.push((start, end, name.to_string()));
        }
    }
    sections.sort();
    sections
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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [binary, map, out] = args.as_slice() else {
        eprintln!("usage: link_order BINARY LINK_MAP OUT");
        std::process::exit(2);
    };
    let profile = std::env::temp_dir().join(format!("link-order-{}.callgrind", std::process::id()));
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async {
        let em = start_emulator(fast_settings()).await;
        let mut cmd = Command::new("valgrind");
        cmd.args([
            "--tool=callgrind",
            "--dump-instr=yes",
            "--dump-line=no",
            &format!("--callgrind-out-file={}", profile.display()),
            binary,
        ]);
        let mut p = ProviderProcess::launch(cmd, &[], &[]);
        let mut c = rpc::connect(p.port).await;
        let cfg = json!({"region": "us-east-1", "accessKey": emulator::DEFAULT_ACCESS_KEY, "secretKey": emulator::DEFAULT_SECRET_KEY, "endpoint": em.url});
        rpc::configure(&mut c, None, cfg).await.expect("Configure");
        process::terminate(&p.child.id().to_string());
        let _ = p.child.wait();
    });
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
}
