extension JSONDocument {
    /// The kind of the value at `index`.
    @inlinable
    public func kind(_ index: Int) -> JSONKind { nodes[index].kind }

    /// The full text of the value at `index`, quotes included for strings.
    public func rawBytes(_ index: Int) -> ArraySlice<UInt8> {
        let n = nodes[index]
        if n.kind == .string { return bytes[Int(n.start) - 1..<Int(n.end) + 1] }
        return bytes[Int(n.start)..<Int(n.end)]
    }

    /// The byte range of the value at `index`, quotes included for strings.
    public func byteRange(_ index: Int) -> Range<Int> {
        let n = nodes[index]
        if n.kind == .string { return Int(n.start) - 1..<Int(n.end) + 1 }
        return Int(n.start)..<Int(n.end)
    }

    /// The decoded string at `index`, which must be a `.string` node.
    public func string(_ index: Int) -> String {
        let n = nodes[index]
        return bytes.withUnsafeBufferPointer { b in
            JSONText.decodeString(UnsafeBufferPointer(rebasing: b[Int(n.start)..<Int(n.end)]))
        }
    }

    /// Whether the string at `index` equals the UTF-8 text `utf8`, without decoding
    /// unless the string holds escapes.
    public func stringEquals(_ index: Int, _ utf8: [UInt8]) -> Bool {
        let n = nodes[index]
        if n.flags & JSONNode.Flags.escaped != 0 { return Array(string(index).utf8) == utf8 }
        let length = Int(n.end - n.start)
        guard length == utf8.count else { return false }
        return bytes.withUnsafeBufferPointer { b in
            utf8.withUnsafeBufferPointer { u in memoryEqual(b.baseAddress! + Int(n.start), u.baseAddress!, length) }
        }
    }

    /// The number of Unicode code points in the string at `index`.
    public func stringLength(_ index: Int) -> Int {
        let n = nodes[index]
        if n.flags & JSONNode.Flags.escaped != 0 { return string(index).unicodeScalars.count }
        if n.flags & JSONNode.Flags.nonASCII == 0 { return Int(n.end - n.start) }
        var count = 0
        for k in Int(n.start)..<Int(n.end) where bytes[k] & 0xC0 != 0x80 { count += 1 }
        return count
    }

    /// The text of the number at `index`, exactly as sent.
    public func numberText(_ index: Int) -> Substring {
        let n = nodes[index]
        return Substring(decoding: bytes[Int(n.start)..<Int(n.end)], as: UTF8.self)
    }

    /// The number at `index` as the nearest `Double`.
    public func double(_ index: Int) -> Double {
        Double(numberText(index)) ?? .nan
    }

    /// The value's children: elements of an array, or (key, value) indexes of an object.
    public func elements(_ index: Int) -> ChildIndexes { ChildIndexes(document: self, parent: index, stride: 1) }

    /// The (key, value) node indexes of an object's members, in document order.
    public func members(_ index: Int) -> MemberIndexes { MemberIndexes(document: self, parent: index) }

    /// The value of the member named `name`, if the object at `index` has one.
    public func member(_ index: Int, named name: [UInt8]) -> Int? {
        nodes.withUnsafeBufferPointer { tape in
            bytes.withUnsafeBufferPointer { text in
                name.withUnsafeBufferPointer { wanted in
                    var key = index + 1
                    for _ in 0..<Int(tape[index].count) {
                        let n = tape[key]
                        if n.flags & JSONNode.Flags.escaped != 0 {
                            if stringEquals(key, name) { return key + 1 }
                        } else if Int(n.end &- n.start) == wanted.count
                            && (wanted.isEmpty
                                || memoryEqual(text.baseAddress! + Int(n.start), wanted.baseAddress!, wanted.count))
                        {
                            return key + 1
                        }
                        key = Int(tape[key + 1].next)
                    }
                    return nil
                }
            }
        }
    }

    /// The indexes of an array's elements.
    public struct ChildIndexes: Sequence {
        let document: JSONDocument
        let parent: Int
        let stride: Int

        public func makeIterator() -> Iterator {
            let n = document.nodes[parent]
            return Iterator(nodes: document.nodes, cursor: parent + 1, remaining: Int(n.count))
        }

        public struct Iterator: IteratorProtocol {
            let nodes: ArraySlice<JSONNode>
            var cursor: Int
            var remaining: Int
            public mutating func next() -> Int? {
                guard remaining > 0 else { return nil }
                remaining -= 1
                let current = cursor
                cursor = Int(nodes[current].next)
                return current
            }
        }
    }

    /// The (key, value) indexes of an object's members.
    public struct MemberIndexes: Sequence {
        let document: JSONDocument
        let parent: Int

        public func makeIterator() -> Iterator {
            let n = document.nodes[parent]
            return Iterator(nodes: document.nodes, cursor: parent + 1, remaining: Int(n.count))
        }

        public struct Iterator: IteratorProtocol {
            let nodes: ArraySlice<JSONNode>
            var cursor: Int
            var remaining: Int
            public mutating func next() -> (key: Int, value: Int)? {
                guard remaining > 0 else { return nil }
                remaining -= 1
                let key = cursor
                cursor = Int(nodes[key + 1].next)
                return (key, key + 1)
            }
        }
    }

    /// Appends the value at `index` as compact JSON: the sender's tokens byte for byte,
    /// with the whitespace between them removed.
    public func writeCompact(_ index: Int, into out: inout [UInt8]) {
        let n = nodes[index]
        let range = byteRange(index)
        // Only the root records whether whitespace occurs inside it, so a nested container
        // (an event inside an array body) is minified whenever its root was spaced.
        let spaced = (n.flags | nodes[0].flags) & JSONNode.Flags.spaced != 0
        if !spaced || n.kind.rawValue < JSONKind.array.rawValue {
            out.append(contentsOf: bytes[range])
            return
        }
        JSONDocument.appendMinified(bytes, range, to: &out)
    }

    /// Appends `bytes[range]` with whitespace outside strings removed.
    static func appendMinified(_ bytes: [UInt8], _ range: Range<Int>, to out: inout [UInt8]) {
        var inString = false
        var k = range.lowerBound
        var runStart = k
        while k < range.upperBound {
            let c = bytes[k]
            if inString {
                if c == 0x5C {
                    k += 2
                    continue
                }
                if c == 0x22 { inString = false }
            } else if c == 0x22 {
                inString = true
            } else if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                if runStart < k { out.append(contentsOf: bytes[runStart..<k]) }
                runStart = k + 1
            }
            k += 1
        }
        if runStart < range.upperBound { out.append(contentsOf: bytes[runStart..<range.upperBound]) }
    }
}
