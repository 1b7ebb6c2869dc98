/// Why a `--function-command` could not be split into arguments.
public struct FunctionCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable reason.
    public enum Code: String, Sendable {
        /// The command has no words.
        case empty
        /// A quote is never closed, or the command ends with a lone backslash.
        case unterminated
        /// An unquoted shell operator or expansion (`|`, `&`, `;`, `<`, `>`, `(`, `)`, `$`, backquote),
        /// which is not run by a shell here.
        case shellSyntax = "shell_syntax"
    }
    /// The reason.
    public var code: Code
    /// What is wrong and what to write instead.
    public var message: String

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// The program and arguments of the function's process, split from one string the way a
/// POSIX shell splits a simple command, without running a shell:
///
/// - blanks (space, tab, newline) separate words;
/// - `'…'` keeps everything inside literally;
/// - `"…"` keeps everything inside, except that a backslash escapes `"`, `\`, `$` and
///   backquote;
/// - outside quotes a backslash keeps the next character literally;
/// - `""` or `''` is an empty argument.
///
/// Nothing is expanded (no variables, `~` or globs) and there are no pipes, lists or
/// redirections: an unquoted `| & ; < > ( ) $` or backquote is refused, so that it is not
/// silently passed on as an argument. For those, run a shell: `sh -c '…'`.
public enum FunctionCommand {
    /// The words of `command`.
    public static func split(_ command: String) throws(FunctionCommandError) -> [String] {
        var words: [String] = []
        var word: [Character] = []
        var inWord = false
        var iterator = command.makeIterator()
        while let character = iterator.next() {
            switch character {
            case " ", "\t", "\n":
                if inWord { words.append(String(word)) }
                word = []
                inWord = false
            case "'":
                inWord = true
                var closed = false
                while let inner = iterator.next() {
                    if inner == "'" { closed = true; break }
                    word.append(inner)
                }
                guard closed else { throw unterminated("a single quote is not closed") }
            case "\"":
                inWord = true
                var closed = false
                while let inner = iterator.next() {
                    if inner == "\"" { closed = true; break }
                    if inner == "\\" {
                        guard let escaped = iterator.next() else { break }
                        if escaped == "\n" { continue }
                        if !"\"\\$`".contains(escaped) { word.append("\\") }
                        word.append(escaped)
                    } else {
                        word.append(inner)
                    }
                }
                guard closed else { throw unterminated("a double quote is not closed") }
            case "\\":
                guard let escaped = iterator.next() else { throw unterminated("the command ends with a backslash") }
                if escaped == "\n" { continue }
                inWord = true
                word.append(escaped)
            case "|", "&", ";", "<", ">", "(", ")", "$", "`":
                throw FunctionCommandError(
                    code: .shellSyntax,
                    message: "'\(character)' is shell syntax, but the function command is not run by a shell; "
                        + "quote it to pass it on as is, or run a shell: --function-command \"sh -c '…'\"")
            default:
                inWord = true
                word.append(character)
            }
        }
        if inWord { words.append(String(word)) }
        guard !words.isEmpty else {
            throw FunctionCommandError(code: .empty, message: "the function command is empty; name a program to run")
        }
        return words
    }

    private static func unterminated(_ what: String) -> FunctionCommandError {
        FunctionCommandError(code: .unterminated, message: "\(what) in the function command")
    }
}
