/// Makes equal texts read from many rows share one stored string.
///
/// An outcome's model version and verdict rule are the same long text in row after row (about 80
/// and 110 bytes); read as they come, 100,000 outcomes hold 200,000 separate copies, small heap
/// blocks that stay scattered among the process's other objects after the read (the month-long
/// soak test's API processes kept hundreds of megabytes of such a heap). Interned, they hold one.
struct TextInterner {
    private var known: [String: String] = [:]
    /// The most distinct texts kept: texts that seldom repeat would only grow the table.
    private let capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    /// `text`, or the equal text seen before.
    mutating func callAsFunction(_ text: String) -> String {
        // Swift keeps a text of up to 15 UTF-8 bytes inside the String itself: nothing to share.
        guard text.utf8.count > 15 else { return text }
        // Equal Strings may differ in their bytes (Unicode canonical equivalence): share only the same bytes.
        if let earlier = known[text], earlier.utf8.elementsEqual(text.utf8) { return earlier }
        if known.count < capacity { known[text] = text }
        return text
    }
}
