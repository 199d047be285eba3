//! Compiles `contracts/src` with the project's own Solidity compiler (solcjs behind
//! `scripts/toolchain/solc`) through foundry-compilers, and generates the Rust bindings from the
//! resulting artifacts with alloy's `sol!`.
//!
//! Why this way: the bindings come from the Solidity itself, so a change to a contract flows into
//! the Rust API with one `cargo build`, and a stale binding cannot exist. The compiler settings
//! mirror `foundry.toml` so that the bytecode the SDK deploys is byte-for-byte the one forge builds
//! (a test in `wbx-sdk` checks this against forge's own artifacts).

use foundry_compilers::{
    ConfigurableArtifacts, ProjectBuilder, ProjectPathsConfig,
    artifacts::{
        BytecodeHash, EvmVersion, Optimizer, Settings, SettingsMetadata, remappings::Remapping,
    },
    solc::{Solc, SolcCompiler, SolcLanguage, SolcSettings},
};
use std::{env, fmt::Write as _, fs, path::PathBuf, str::FromStr};

/// The contracts the SDK binds, with their source file.
const CONTRACTS: &[(&str, &str)] = &[("WebexToken", "WebexToken.sol"), ("WbxPool", "WbxPool.sol")];

/// Must match `foundry.toml`.
const SOLC_VERSION: (u64, u64, u64) = (0, 8, 30);
const OPTIMIZER_RUNS: usize = 10_000;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.join("../..").canonicalize().expect("workspace root");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let src = root.join("contracts/src");
    let wrapper = root.join("scripts/toolchain/solc");
    let oz = root.join("node_modules/@openzeppelin/contracts");

    println!("cargo:rerun-if-changed={}", src.display());
    println!("cargo:rerun-if-changed={}", wrapper.display());
    println!("cargo:rerun-if-changed={}", root.join("package-lock.json").display());
    if !oz.exists() || !root.join("node_modules/solc").exists() {
        panic!(
            "the Solidity toolchain is not installed: run `npm ci` (or `scripts/test`) at {} first",
            root.display()
        );
    }

    let paths = ProjectPathsConfig::builder()
        .root(&root)
        .sources(&src)
        .artifacts(out.join("artifacts"))
        .cache(out.join("solidity-files-cache.json"))
        .libs([root.join("node_modules")])
        .remappings([Remapping::from_str(
            "@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/",
        )
        .expect("remapping")])
        .build::<SolcLanguage>()
        .expect("project paths");

    let settings = Settings {
        optimizer: Optimizer { enabled: Some(true), runs: Some(OPTIMIZER_RUNS), details: None },
        evm_version: Some(EvmVersion::Prague),
        metadata: Some(SettingsMetadata::new(BytecodeHash::None, false)),
        ..Default::default()
    };
    let (major, minor, patch) = SOLC_VERSION;
    let solc = Solc::new_with_version(&wrapper, semver::Version::new(major, minor, patch));
    let project = ProjectBuilder::<SolcCompiler, ConfigurableArtifacts>::new(Default::default())
        .paths(paths)
        .settings(SolcSettings { settings, ..Default::default() })
        .build(SolcCompiler::Specific(solc))
        .expect("project");
    let output = project.compile().expect("running the Solidity compiler");
    if output.has_compiler_errors() {
        panic!("the contracts do not compile:\n{output}");
    }

    let mut bindings = String::new();
    for (name, file) in CONTRACTS {
        let artifact = out.join("artifacts").join(file).join(format!("{name}.json"));
        assert!(artifact.exists(), "no artifact for {name} at {}", artifact.display());
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&artifact).unwrap()).unwrap();
        let immutables = immutable_ranges(&json);
        writeln!(
            bindings,
            r#"
/// Everything `sol!` generates for `{name}`: the contract module and the libraries of its structs.
#[allow(missing_docs, clippy::all, unreachable_pub, non_snake_case)]
pub mod {module} {{
    alloy::sol!(
        #[sol(rpc, all_derives, extra_derives(serde::Serialize, serde::Deserialize))]
        {name},
        {artifact:?}
    );
}}
/// Bindings of `{name}` (`contracts/src/{file}`): calls, events, errors, and the bytecode.
pub use {module}::{name};

/// Byte ranges `(offset, length)` of the immutables in `{name}`'s runtime bytecode: they differ
/// from one deployment to another and are masked when a deployed code is compared with ours.
pub const {upper}_IMMUTABLES: &[(usize, usize)] = &{immutables:?};
"#,
            upper = to_upper_snake(name),
            module = to_upper_snake(name).to_lowercase(),
        )
        .unwrap();
    }

    let token_source = fs::read_to_string(src.join("WebexToken.sol")).unwrap();
    let version = token_source
        .lines()
        .find_map(|l| l.trim().strip_prefix("string public constant VERSION = \""))
        .and_then(|rest| rest.strip_suffix("\";"))
        .expect("WebexToken.sol declares `string public constant VERSION = \"...\";`");
    writeln!(
        bindings,
        "/// The `version()` of the WebexToken this crate was built from.\n\
         pub const EXPECTED_VERSION: &str = {version:?};"
    )
    .unwrap();
    fs::write(out.join("bindings.rs"), bindings).unwrap();
}

fn immutable_ranges(artifact: &serde_json::Value) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = artifact["deployedBytecode"]["immutableReferences"]
        .as_object()
        .map(|refs| {
            refs.values()
                .flat_map(|v| v.as_array().cloned().unwrap_or_default())
                .map(|r| {
                    (r["start"].as_u64().unwrap() as usize, r["length"].as_u64().unwrap() as usize)
                })
                .collect()
        })
        .unwrap_or_default();
    ranges.sort_unstable();
    ranges
}

fn to_upper_snake(name: &str) -> String {
    let mut s = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            s.push('_');
        }
        s.push(c.to_ascii_uppercase());
    }
    s
}
