/// Returns freed heap memory to the operating system (glibc's `malloc_trim`), which glibc does not
/// do on its own for memory freed in the middle of the heap.
enum MemoryTrim {
    static func releaseFreeHeap() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if os(Linux)
// Not exported by the Glibc module; declared here with glibc's C signature `int malloc_trim(size_t)`.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
