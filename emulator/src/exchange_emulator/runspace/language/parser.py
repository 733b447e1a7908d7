"""A parser for the PowerShell an administrator types, over the whole text at once."""

from __future__ import annotations

import re
import typing

from .syntax import (
    ArgumentElement,
    ArrayLiteral,
    CommaList,
    CommandAst,
    Element,
    EnvVariable,
    ExpandableString,
    Extent,
    HashLiteral,
    Literal,
    Node,
    ParameterElement,
    ScriptSyntaxError,
    StatementAst,
    unsupported,
)
from .tokens import (
    BLANKS,
    COMMAND_WORD,
    DASHES,
    DOUBLE_QUOTES,
    ELEMENT_END,
    EMULATED_SUMMARY,
    ESCAPES,
    EXPRESSION_END,
    HASH_KEY,
    KEYWORDS,
    NEWLINES,
    NOT_EMULATED_COMMANDS,
    PARAMETER_NAME,
    QUOTES,
    SINGLE_QUOTES,
    TOKEN,
    VARIABLE_NAME,
    WORD_END,
    number_value,
)


class ScriptParser:
    """A parser for the command subset of the PowerShell language, over the whole text at once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # ------------------------------------------------------------------ characters
    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if 0 <= index < len(self.text) else ""

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_blanks(self, newlines: bool) -> None:
        """Skip spaces, line continuations (a backtick at the end of a line), comments and, if asked, newlines."""
        while not self.at_end():
            char = self.peek()
            if char in BLANKS:
                self.pos += 1
            elif char == "`" and self.peek(1) in NEWLINES and self.peek(1):
                self.pos += 3 if self.text.startswith("\r\n", self.pos + 1) else 2
            elif char == "#":
                while not self.at_end() and self.peek() not in NEWLINES:
                    self.pos += 1
            elif char == "<" and self.peek(1) == "#":
                self.skip_block_comment()
            elif newlines and char in NEWLINES:
                self.pos += 1
            else:
                return

    def skip_block_comment(self) -> None:
        end = self.text.find("#>", self.pos + 2)
        if end < 0:
            raise self.syntax_error("Missing the terminator '#>' of the block comment.",
                                    "MissingTerminatorMultiLineComment", end=len(self.text))
        self.pos = end + 2

    def skip_separators(self) -> None:
        while True:
            self.skip_blanks(newlines=True)
            if self.peek() != ";":
                return
            self.pos += 1

    def syntax_error(self, message: str, error_id: str, start: int | None = None,
                     end: int | None = None) -> ScriptSyntaxError:
        start = self.pos if start is None else start
        return ScriptSyntaxError(message, Extent(start, end if end is not None else start + 1), error_id)

    def token_text(self) -> str:
        match = TOKEN.match(self.text, self.pos)
        return match.group() if match else ""

    # ------------------------------------------------------------------ statements
    def parse(self) -> list[StatementAst]:
        statements: list[StatementAst] = []
        while True:
            self.skip_separators()
            if self.at_end():
                return statements
            statements.append(self.parse_statement())
            self.expect_statement_end()

    def expect_statement_end(self) -> None:
        self.skip_blanks(newlines=False)
        char = self.peek()
        if char in ("", ";") or char in NEWLINES:
            return
        self.refuse_bad_separator()
        raise self.syntax_error(f"Unexpected token '{self.token_text()}' in expression or statement.",
                                "UnexpectedToken", end=self.pos + len(self.token_text()))

    def refuse_bad_separator(self) -> None:
        pair = self.text[self.pos:self.pos + 2]
        if pair in ("&&", "||"):
            raise self.syntax_error(f"The token '{pair}' is not a valid statement separator in this version.",
                                    "InvalidEndOfLine", end=self.pos + 2)

    def starts_expression(self) -> bool:
        char, after = self.peek(), self.peek(1)
        if not char:
            return False
        if char in QUOTES or char in "$@([{!" or char.isdigit():
            return True
        if char == "." and after.isdigit():
            return True
        return char in "+" + DASHES

    def parse_statement(self) -> StatementAst:
        if self.peek() == "|":
            raise self.syntax_error("An empty pipe element is not allowed.", "EmptyPipeElement")
        if self.starts_expression():
            leading, _ = self.parse_expression_list()
            return StatementAst(leading, self.parse_pipeline_tail())
        return StatementAst(None, [self.parse_command(), *self.parse_pipeline_tail()])

    def parse_pipeline_tail(self) -> list[CommandAst]:
        commands: list[CommandAst] = []
        while True:
            save = self.pos
            self.skip_blanks(newlines=False)
            if self.peek() != "|":
                self.pos = save
                return commands
            bar = self.pos
            self.refuse_bad_separator()
            self.pos += 1
            self.skip_blanks(newlines=True)
            if self.peek() in ("", ";", "|", ")", "}"):
                raise self.syntax_error("An empty pipe element is not allowed.", "EmptyPipeElement", bar)
            if self.starts_expression():
                raise self.syntax_error("Expressions are only allowed as the first element of a pipeline.",
                                        "ExpressionsMustBeFirstInPipeline", end=self.pos + len(self.token_text()))
            commands.append(self.parse_command())

    # ------------------------------------------------------------------ commands
    def parse_command(self) -> CommandAst:
        start = self.pos
        call_operator = self.peek() == "&"
        if call_operator:
            self.refuse_bad_separator()
            self.pos += 1
            self.skip_blanks(newlines=False)
            name = self.parse_call_target()
        elif self.peek() == "." and self.peek(1) and self.peek(1) in BLANKS:
            raise unsupported("Dot-sourcing ('. <script>'; run scripts with the call operator '&')", start)
        else:
            name = Literal(self.read_command_word())
        end = self.pos
        elements: list[Element] = []
        while True:
            self.skip_blanks(newlines=False)
            if self.at_command_end():
                return CommandAst(name, elements, Extent(start, end), call_operator)
            element = self.parse_element()
            elements.append(element)
            end = element.extent.end

    def at_command_end(self) -> bool:
        char = self.peek()
        if char == "&":
            self.refuse_bad_separator()
            raise self.syntax_error(
                "The ampersand (&) character is not allowed. The & operator is reserved for future use; wrap an "
                'ampersand in double quotation marks ("&") to pass it as part of a string.', "AmpersandNotAllowed")
        return char in ("", ";", "|", ")", "}") or char in NEWLINES

    def parse_call_target(self) -> Node:
        start = self.pos
        if self.at_command_end():
            raise self.syntax_error("Missing expression after '&' in pipeline element.", "MissingExpression")
        target = self.parse_argument_value()
        if isinstance(target, (ArrayLiteral, HashLiteral, CommaList)):
            raise unsupported("Calling an array or hashtable with '&'", start, self.pos)
        self.check_argument_end()
        return target

    def read_command_word(self) -> str:
        start = self.pos
        char = self.peek()
        if char == "{":
            raise unsupported("Script blocks ({ ... })", start)
        if char in "<>":
            raise unsupported("Redirection (>, >>, 2>&1, <)", start)
        if char in ")}":
            raise self.syntax_error(f"Unexpected token '{char}' in expression or statement.", "UnexpectedToken")
        parts, raw = self.read_word_parts()
        if not all(isinstance(p, str) for p in parts):
            raise unsupported("A command name built from variables", start, self.pos)
        word = "".join(typing.cast(list[str], parts))
        if not raw:
            raise self.syntax_error(f"Unexpected token '{self.token_text()}' in expression or statement.",
                                    "UnexpectedToken")
        if word.lower() in KEYWORDS:
            raise unsupported(f"The '{word}' keyword (if, foreach, while, function, exit and other language "
                              "statements)", start, self.pos)
        return word

    def parse_element(self) -> Element:
        start = self.pos
        char, after = self.peek(), self.peek(1)
        if char in DASHES and (after.isalpha() or (after and after in "_?")):
            return self.parse_parameter()
        if char in DASHES and after and after in DASHES:
            raise unsupported("'--' and the stop-parsing token '--%'", start, start + 2)
        value = self.parse_argument_list()
        return ArgumentElement(value, Extent(start, self.pos))

    def parse_parameter(self) -> ParameterElement:
        start = self.pos
        self.pos += 1
        match = typing.cast(re.Match[str], PARAMETER_NAME.match(self.text, self.pos))
        self.pos = match.end()
        if self.peek() == ":":
            self.pos += 1
            self.skip_blanks(newlines=False)
            if self.at_command_end() or self.peek() == ",":
                raise self.syntax_error(f"The parameter -{match.group()}: has no argument after its colon.",
                                        "MissingArgument", start, self.pos)
            argument = self.parse_argument_list()
            return ParameterElement(match.group(), argument, Extent(start, self.pos))
        if self.peek() and self.peek() not in ELEMENT_END:
            raise unsupported(f"'{self.text[start:self.pos + 1]}' (a parameter name joined to other text; write "
                              "-Name value or -Name:value)", start, self.pos + 1)
        return ParameterElement(match.group(), None, Extent(start, self.pos))

    # ------------------------------------------------------------------ arguments (argument mode)
    def parse_argument_list(self) -> Node:
        """An argument: one value, or values separated by commas (`a,b,'c'`)."""
        items = [self.parse_argument_value()]
        self.check_argument_end()
        while True:
            save = self.pos
            self.skip_blanks(newlines=False)
            if self.peek() != ",":
                self.pos = save
                return items[0] if len(items) == 1 else CommaList(items)
            self.pos += 1
            self.skip_blanks(newlines=True)
            if self.at_command_end() or self.peek() == ",":
                raise self.syntax_error("Missing argument in parameter list.", "MissingArgument")
            items.append(self.parse_argument_value())
            self.check_argument_end()

    def check_argument_end(self) -> None:
        char = self.peek()
        if not char or char in ELEMENT_END or char == "," or (char == "`" and self.peek(1) in NEWLINES):
            return
        if char in "<>":
            raise unsupported("Redirection (>, >>, 2>&1, <)", self.pos)
        if char == "&":
            self.at_command_end()
        raise unsupported(f"'{self.token_text()}' (a value joined to more text without a space; quote the whole "
                          "value)", self.pos, self.pos + len(self.token_text()))

    def parse_argument_value(self) -> Node:
        start = self.pos
        char = self.peek()
        if not char:
            raise self.syntax_error("Missing argument in parameter list.", "MissingArgument")
        if char in SINGLE_QUOTES:
            return Literal(self.read_single_quoted())
        if char in DOUBLE_QUOTES:
            return self.read_double_quoted()
        if char == "$":
            return self.parse_variable_argument()
        if char in "@(":
            return self.parse_grouping()
        if char == "{":
            raise unsupported("Script blocks ({ ... })", start)
        if char == "[":
            raise unsupported("Type literals and casts ([type])", start)
        if char in "<>":
            raise unsupported("Redirection (>, >>, 2>&1, <)", start)
        return self.parse_bare_word()

    def parse_bare_word(self) -> Node:
        parts, raw = self.read_word_parts()
        if not raw:
            raise self.syntax_error(f"Unexpected token '{self.peek()}' in expression or statement.", "UnexpectedToken")
        if all(isinstance(p, str) for p in parts):
            text = "".join(typing.cast(list[str], parts))
            number = number_value(raw) if raw == text else None
            return Literal(text if number is None else number)
        return ExpandableString(parts)

    def read_word_parts(self) -> tuple[list[str | Node], str]:
        """A bare word: its text with backtick escapes applied and `$env:` variables as parts, and its raw text."""
        start = self.pos
        parts: list[str | Node] = []
        buffer: list[str] = []
        while not self.at_end():
            char = self.peek()
            if char in WORD_END or (char == "`" and self.peek(1) in NEWLINES):
                break  # a backtick at the end of a line (or of the text) continues the line
            if char == "`":
                buffer.append(ESCAPES.get(self.peek(1), self.peek(1)))
                self.pos += 2
            elif char == "$":
                variable = self.read_embedded_variable()
                if isinstance(variable, str):
                    buffer.append(variable)
                else:
                    parts.extend(["".join(buffer), variable] if buffer else [variable])
                    buffer = []
            else:
                buffer.append(char)
                self.pos += 1
        if buffer:
            parts.append("".join(buffer))
        return parts, self.text[start:self.pos]

    def parse_variable_argument(self) -> Node:
        """A variable as an argument; text right after it (`$env:X\\Scripts\\a.ps1`) joins it into one string."""
        start = self.pos
        variable = self.read_embedded_variable()
        node: Node = Literal(variable) if isinstance(variable, str) else variable
        char = self.peek()
        if char and char in ".[(":
            raise unsupported("Member access, indexing and method calls on variables ($x.Name, $x[0])", start,
                              self.pos + 1)
        if not char or char in WORD_END or (char == "`" and self.peek(1) in NEWLINES):
            return node
        rest, _ = self.read_word_parts()
        return ExpandableString([node, *rest])

    def read_embedded_variable(self) -> Node | str:
        """`$env:NAME`, `${env:NAME}`, `$true`, `$false`, `$null` at `$`; a `$` that starts no name is itself."""
        start = self.pos
        after = self.peek(1)
        if after == "(":
            raise unsupported("Subexpressions ($( ... ))", start, start + 2)
        if after == "{":
            end = self.text.find("}", start + 2)
            if end < 0:
                raise self.syntax_error("Missing '}' at the end of the variable name.", "MissingEndCurlyBrace")
            self.pos = end + 1
            return variable_node(self.text[start + 2:end], Extent(start, self.pos))
        match = VARIABLE_NAME.match(self.text, start + 1)
        if match is None:
            if after and after in "?$^":
                raise unsupported(f"The automatic variable ${after}", start, start + 2)
            self.pos += 1
            return "$"
        self.pos = match.end()
        return variable_node(match.group(), Extent(start, self.pos))

    # ------------------------------------------------------------------ strings
    def read_single_quoted(self) -> str:
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while True:
            if self.at_end():
                raise self.syntax_error("The string is missing the terminator: '.", "TerminatorExpectedAtEndOfString",
                                        start, len(self.text))
            char = self.peek()
            self.pos += 1
            if char in SINGLE_QUOTES:
                if self.peek() and self.peek() in SINGLE_QUOTES:
                    out.append("'")
                    self.pos += 1
                    continue
                return "".join(out)
            out.append(char)

    def read_double_quoted(self) -> Node:
        start = self.pos
        self.pos += 1
        parts: list[str | Node] = []
        buffer: list[str] = []
        while True:
            if self.at_end():
                raise self.syntax_error('The string is missing the terminator: ".', "TerminatorExpectedAtEndOfString",
                                        start, len(self.text))
            char = self.peek()
            if char in DOUBLE_QUOTES:
                if self.peek(1) and self.peek(1) in DOUBLE_QUOTES:
                    buffer.append('"')
                    self.pos += 2
                    continue
                self.pos += 1
                break
            if char == "`" and self.peek(1):
                buffer.append(ESCAPES.get(self.peek(1), self.peek(1)))
                self.pos += 2
            elif char == "$":
                variable = self.read_embedded_variable()
                if isinstance(variable, str):
                    buffer.append(variable)
                else:
                    parts.extend(["".join(buffer), variable])
                    buffer = []
            else:
                buffer.append(char)
                self.pos += 1
        parts.append("".join(buffer))
        parts = [p for p in parts if p != ""]
        if all(isinstance(p, str) for p in parts):
            return Literal("".join(typing.cast(list[str], parts)))
        return ExpandableString(parts)

    # ------------------------------------------------------------------ expressions (expression mode)
    def parse_expression_list(self) -> tuple[Node, int]:
        """Values separated by commas, as an expression (statement start, inside (), @() and @{})."""
        items = [self.parse_expression_value()]
        end = self.pos
        while True:
            save = self.pos
            self.skip_blanks(newlines=False)
            if self.peek() != ",":
                self.pos = save
                break
            self.pos += 1
            self.skip_blanks(newlines=True)
            if not self.starts_expression():
                self.refuse_command_here()
                raise self.syntax_error("Missing expression after ','.", "MissingExpressionAfterToken")
            items.append(self.parse_expression_value())
            end = self.pos
        self.check_expression_end()
        return (items[0] if len(items) == 1 else CommaList(items)), end

    def check_expression_end(self) -> None:
        save = self.pos
        self.skip_blanks(newlines=False)
        char = self.peek()
        self.pos = save
        if not char or char in EXPRESSION_END or self.text.startswith(("&&", "||"), self.pos):
            return
        start = save + len(self.text[save:]) - len(self.text[save:].lstrip(BLANKS))
        raise unsupported("Operators, member access and assignments", start)

    def parse_expression_value(self) -> Node:
        start = self.pos
        char, after = self.peek(), self.peek(1)
        if not char:
            raise self.syntax_error("An expression was expected.", "ExpectedExpression")
        if char in SINGLE_QUOTES:
            return Literal(self.read_single_quoted())
        if char in DOUBLE_QUOTES:
            return self.read_double_quoted()
        if char == "$":
            variable = self.read_embedded_variable()
            if self.peek() and self.peek() in ".[(":
                raise unsupported("Member access, indexing and method calls on variables ($x.Name, $x[0])", start,
                                  self.pos + 1)
            return Literal(variable) if isinstance(variable, str) else variable
        if char in "@(":
            return self.parse_grouping()
        if char == "{":
            raise unsupported("Script blocks ({ ... })", start)
        if char == "[":
            raise unsupported("Type literals and casts ([type])", start)
        if char.isdigit() or char == "." or (char in "+" + DASHES and (after.isdigit() or after == ".")):
            return self.parse_number()
        if char in DASHES + "!":
            raise unsupported("Operators (-not, -join, !, ...)", start)
        self.refuse_command_here()
        raise self.syntax_error(f"Unexpected token '{self.token_text()}' in expression or statement.",
                                "UnexpectedToken")

    def refuse_command_here(self) -> None:
        """A bare word where a value is expected would run a command inside an expression."""
        match = COMMAND_WORD.match(self.text, self.pos)
        if match:
            raise unsupported(f"'{match.group()}' here would run a command inside an expression; commands inside "
                              "(...), @(...) or @{...} are not run: quote literal text", self.pos, match.end())

    def parse_number(self) -> Node:
        start = self.pos
        sign = self.peek() if self.peek() in "+" + DASHES else ""
        self.pos += len(sign)
        parts, raw = self.read_word_parts()
        number = number_value(("-" if sign and sign != "+" else sign) + raw)
        if number is None or not all(isinstance(p, str) for p in parts):
            raise unsupported(f"The expression '{self.text[start:self.pos]}'", start, self.pos)
        return Literal(number)

    def parse_grouping(self) -> Node:
        char, after = self.peek(), self.peek(1)
        if char == "(":
            return self.parse_parenthesized()
        if after == "(":
            return self.parse_array_literal()
        if after == "{":
            return self.parse_hash_literal()
        if after and after in QUOTES:
            raise unsupported("Here-strings (@' ... '@)", self.pos, self.pos + 2)
        raise unsupported("Splatting (@name)", self.pos, self.pos + 1 + len(self.token_text()))

    def parse_parenthesized(self) -> Node:
        start = self.pos
        self.pos += 1
        self.skip_blanks(newlines=True)
        if self.peek() == ")":
            raise self.syntax_error("An expression was expected after '('.", "ExpectedExpression", start)
        if not self.at_end() and not self.starts_expression():
            self.refuse_command_here()
        value, _ = self.parse_expression_list()
        self.skip_blanks(newlines=True)
        if self.at_end():
            raise self.syntax_error("Missing closing ')' in expression.", "MissingEndParenthesisInExpression", start)
        if self.peek() != ")":
            raise unsupported("Statements inside parentheses", self.pos)
        self.pos += 1
        return value

    def parse_array_literal(self) -> Node:
        start = self.pos
        self.pos += 2
        statements: list[Node] = []
        while True:
            self.skip_separators()
            if self.at_end():
                raise self.syntax_error("Missing closing ')' in subexpression.",
                                        "MissingEndParenthesisInSubexpression", start, start + 2)
            if self.peek() == ")":
                self.pos += 1
                return ArrayLiteral(statements)
            if not self.starts_expression():
                self.refuse_command_here()
            value, _ = self.parse_expression_list()
            statements.append(value)
            self.skip_blanks(newlines=False)
            if self.peek() in ("|", "}"):
                raise unsupported("Pipelines inside @( ... )", self.pos)

    def parse_hash_literal(self) -> Node:
        start = self.pos
        self.pos += 2
        entries: list[tuple[str, Node]] = []
        while True:
            self.skip_separators()
            if self.at_end():
                raise self.syntax_error("Missing closing '}' in statement block or type definition.",
                                        "MissingEndCurlyBrace", start, start + 2)
            if self.peek() == "}":
                self.pos += 1
                return HashLiteral(entries)
            entries.append(self.parse_hash_entry(entries))

    def parse_hash_entry(self, entries: list[tuple[str, Node]]) -> tuple[str, Node]:
        key_start = self.pos
        key = self.read_hash_key()
        self.skip_blanks(newlines=False)
        if self.peek() != "=":
            raise self.syntax_error("Missing '=' operator after key in hash literal.", "MissingEqualsInHashLiteral")
        self.pos += 1
        self.skip_blanks(newlines=True)
        if self.at_end() or self.peek() in ";}":
            raise self.syntax_error("Missing statement after '=' in hash literal.", "MissingStatementInHashLiteral")
        if not self.starts_expression():
            self.refuse_command_here()
        value, _ = self.parse_expression_list()
        if any(k.lower() == key.lower() for k, _ in entries):
            raise self.syntax_error(f"Duplicate keys '{key}' are not allowed in hash literals.",
                                    "DuplicateKeyInHashLiteral", key_start, key_start + len(key))
        self.skip_blanks(newlines=False)
        if self.peek() and self.peek() not in ";}" + NEWLINES:
            raise unsupported("Pipelines and statements as hashtable values", self.pos)
        return key, value

    def read_hash_key(self) -> str:
        char = self.peek()
        if char in SINGLE_QUOTES:
            return self.read_single_quoted()
        if char in DOUBLE_QUOTES:
            key = self.read_double_quoted()
            if not isinstance(key, Literal):
                raise unsupported("Hashtable keys with variables", self.pos)
            return str(key.value)
        match = HASH_KEY.match(self.text, self.pos)
        if match is None:
            raise unsupported("Computed hashtable keys", self.pos)
        self.pos = match.end()
        return match.group()


def variable_node(name: str, extent: Extent) -> Node:
    lowered = name.lower()
    if lowered in ("true", "false", "null"):
        return Literal({"true": True, "false": False, "null": None}[lowered])
    scope, _, rest = name.partition(":")
    if rest and scope.lower() == "env":
        return EnvVariable(rest)
    raise unsupported(f"The variable ${name} (the emulator resolves only $env:NAME, $true, $false and $null)",
                      extent.start, extent.end)


def parse_script(text: str) -> list[StatementAst]:
    """The whole script, checked before anything runs: syntax, then commands the emulator does not have."""
    statements = ScriptParser(text).parse()
    for statement in statements:
        for command in statement.commands:
            refuse_not_emulated(command)
    return statements


def refuse_not_emulated(command: CommandAst) -> None:
    if command.call_operator or not isinstance(command.name, Literal):
        return
    name = str(command.name.value)
    if name.lower() in NOT_EMULATED_COMMANDS:
        raise ScriptSyntaxError(
            f"'{name}' is a PowerShell command the Exchange emulator does not emulate (it runs {EMULATED_SUMMARY}); "
            "filter, sort and loop in your client instead. Nothing was run.",
            Extent(command.extent.start, command.extent.start + len(name)), "EmulatorCommandNotSupported")
