// Hardhat 3 as a bare JSON-RPC node for WBX's tests (`hardhat node`): no sources, no plugins.
// WBX_HARDHAT_HARDFORK picks an older EVM for a test (e.g. "shanghai"); unset, Hardhat's default.
const hardfork = process.env.WBX_HARDHAT_HARDFORK;

export default hardfork ? { networks: { node: { type: "edr-simulated", hardfork } } } : {};
