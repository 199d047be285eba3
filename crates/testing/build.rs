//! Compiles the Solidity test mocks (`contracts/test/mocks`) with the project's own compiler, the
//! same way and with the same settings as `wbx-contracts` does for `contracts/src`, and generates
//! bindings for them, so tests can deploy an outdated WBX, a USDT-style token or an NFT contract.

use foundry_compilers::{
    ConfigurableArtifacts, ProjectBuilder, ProjectPathsConfig,
    artifacts::{
        BytecodeHash, EvmVersion, Optimizer, Settings, SettingsMetadata, remappings::Remapping,
    },
    solc::{Solc, SolcCompiler, SolcLanguage, SolcSettings},
};
use std::{env, fmt::Write as _, fs, path::PathBuf, str::FromStr};

/// The mocks bound, with their source file.
const MOCKS: &[(&str, &str)] = &[
    ("WebexTokenV0", "WebexTokenV0.sol"),
    ("NoBoolToken", "NoBoolToken.sol"),
    ("NftLike", "NftLike.sol"),
    ("ContractWallet", "ContractWallet.sol"),
];

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.join("../..").canonicalize().expect("workspace root");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let mocks = root.join("contracts/test/mocks");
    let wrapper = root.join("scripts/toolchain/solc");
    println!("cargo:rerun-if-changed={}", mocks.display());
    println!("cargo:rerun-if-changed={}", root.join("contracts/src").display());
    println!("cargo:rerun-if-changed={}", wrapper.display());

    let paths = ProjectPathsConfig::builder()
        .root(&root)
        .sources(&mocks)
        .artifacts(out.join("artifacts"))
        .cache(out.join("solidity-files-cache.json"))
        .libs([root.join("node_modules")])
        .remappings([Remapping::from_str(
            "@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/",
        )
        .expect("remapping")])
        .build::<SolcLanguage>()
        .expect("project paths");
    // As in crates/contracts/build.rs and foundry.toml.
    let settings = Settings {
        optimizer: Optimizer { enabled: Some(true), runs: Some(10_000), details: None },
        evm_version: Some(EvmVersion::Prague),
        metadata: Some(SettingsMetadata::new(BytecodeHash::None, false)),
        ..Default::default()
    };
    let solc = Solc::new_with_version(&wrapper, semver::Version::new(0, 8, 30));
    let project = ProjectBuilder::<SolcCompiler, ConfigurableArtifacts>::new(Default::default())
        .paths(paths)
        .settings(SolcSettings { settings, ..Default::default() })
        .build(SolcCompiler::Specific(solc))
        .expect("project");
    let output = project.compile().expect("running the Solidity compiler");
    if output.has_compiler_errors() {
        panic!("the test mocks do not compile:\n{output}");
    }

    let mut bindings = String::new();
    for (name, file) in MOCKS {
        let artifact = out.join("artifacts").join(file).join(format!("{name}.json"));
        assert!(artifact.exists(), "no artifact for {name} at {}", artifact.display());
        writeln!(
            bindings,
            r#"
/// Bindings of the test mock `{name}` (`contracts/test/mocks/{file}`), with its bytecode.
#[allow(missing_docs, clippy::all, unreachable_pub, non_snake_case)]
pub mod {module} {{
    alloy::sol!(#[sol(rpc)] {name}, {artifact:?});
}}
pub use {module}::{name};
"#,
            module = name.to_lowercase(),
        )
        .unwrap();
    }
    fs::write(out.join("mocks.rs"), bindings).unwrap();
}
