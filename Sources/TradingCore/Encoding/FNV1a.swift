/// The 64-bit FNV-1a hash: stable across runs, processes and platforms (unlike `Hasher`), for
/// fingerprints that are stored or compared between processes.
public enum FNV1a {
    /// The hash of `bytes`.
    public static func hash64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// The hash of `bytes` as 16 lower-case hexadecimal digits.
    public static func hexadecimal64(_ bytes: some Sequence<UInt8>) -> String {
        let hex = String(hash64(bytes), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
