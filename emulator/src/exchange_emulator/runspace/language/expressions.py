"""Expressions: characters, strings, variables, literals, operators by PowerShell's precedence, member access.

Precedence, lowest first (about_Operator_Precedence): -and -or -xor; comparison and the binary -split,
-join, -replace; + -; * / %; ..; the comma; unary -not ! - -split -join; member access, indexing and
method calls. Operators the emulator does not run (-f, -is, -as, bitwise, casts, static members) are
refused with their name.
"""

from __future__ import annotations

import re
import typing

from .syntax import (
    ArrayLiteral,
    BinaryOperation,
    CommaList,
    EnvVariable,
    ExpandableString,
    Extent,
    HashLiteral,
    IndexAccess,
    Literal,
    MemberAccess,
    MethodCall,
    Node,
    ParenExpression,
    PipelineAst,
    ScriptBlockLiteral,
    ScriptSyntaxError,
    Statement,
    SubExpression,
    UnaryOperation,
    Variable,
    unsupported,
)
from .tokens import (
    AUTOMATIC_NOT_EMULATED,
    BLANKS,
    COMMAND_WORD,
    COMPARISON_OPERATORS,
    DASHES,
    DOUBLE_QUOTES,
    ESCAPES,
    HASH_KEY,
    LOGICAL_OPERATORS,
    NEWLINES,
    NOT_EMULATED_OPERATORS,
    QUOTES,
    SINGLE_QUOTES,
    TOKEN,
    VARIABLE_NAME,
    WORD_END,
    number_value,
)

OPERATOR_WORD = re.compile(r"[A-Za-z]+")
MEMBER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ExpressionParser:
    """The character level and expression mode; statements come from the subclass (parser.ScriptParser)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse_statements(self, closing: str) -> list[Statement]:
        raise NotImplementedError

    def parse_pipeline(self) -> PipelineAst:
        raise NotImplementedError

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
                end = self.text.find("#>", self.pos + 2)
                if end < 0:
                    raise self.syntax_error("Missing the terminator '#>' of the block comment.",
                                            "MissingTerminatorMultiLineComment", end=len(self.text))
                self.pos = end + 2
            elif newlines and char in NEWLINES:
                self.pos += 1
            else:
                return

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

    def starts_expression(self) -> bool:
        char, after = self.peek(), self.peek(1)
        if not char:
            return False
        if char in QUOTES or char in "$@([{!" or char.isdigit():
            return True
        if char == "." and after.isdigit():
            return True
        return char in "+" + DASHES

    # ------------------------------------------------------------------ operators by precedence
    def parse_expression(self) -> Node:
        return self.parse_logical()

    def next_operator(self) -> tuple[str, int] | None:
        """The operator after the blanks at the current position (lower case) and where it ends; None at the
        end of the expression."""
        save = self.pos
        self.skip_blanks(newlines=False)
        start, char = self.pos, self.peek()
        self.pos = save
        if char and char in DASHES:
            match = OPERATOR_WORD.match(self.text, start + 1)
            if match is not None:
                return "-" + match.group().lower(), match.end()
            return "-", start + 1
        if char == "." and self.peek(start - self.pos + 1) == ".":
            return "..", start + 2
        if char == "=" and self.peek(start - self.pos + 1) != "=":
            raise unsupported("Assigning to a member, an element or an expression ($x.Name = …)", start)
        if char and char in "+*/%,":
            return char, start + 1
        return None

    def binary(self, operators: typing.Collection[str], operand: typing.Callable[[], Node]) -> Node:
        start = self.pos
        left = operand()
        while True:
            found = self.next_operator()
            if found is None or found[0] not in operators:
                if found is not None and found[0] in NOT_EMULATED_OPERATORS:
                    raise unsupported(f"The {found[0]} operator", self.pos, found[1])
                return left
            operator, end = found
            self.pos = end
            self.skip_blanks(newlines=True)
            right = operand()
            left = BinaryOperation(operator, left, right, Extent(start, self.pos))

    def parse_logical(self) -> Node:
        node = self.binary(LOGICAL_OPERATORS, self.parse_comparison)
        found = self.next_operator()
        if found is not None and found[0].startswith("-") and len(found[0]) > 1:
            start = found[1] - len(found[0])
            raise unsupported(f"The {found[0]} operator", start, found[1])
        return node

    def parse_comparison(self) -> Node:
        return self.binary(COMPARISON_OPERATORS, self.parse_additive)

    def parse_additive(self) -> Node:
        return self.binary(("+", "-"), self.parse_multiplicative)

    def parse_multiplicative(self) -> Node:
        return self.binary(("*", "/", "%"), self.parse_range)

    def parse_range(self) -> Node:
        return self.binary(("..",), self.parse_comma)

    def parse_comma(self) -> Node:
        items = [self.parse_unary()]
        while True:
            found = self.next_operator()
            if found is None or found[0] != ",":
                return items[0] if len(items) == 1 else CommaList(items)
            self.pos = found[1]
            self.skip_blanks(newlines=True)
            if not self.starts_expression():
                self.refuse_command_here()
                raise self.syntax_error("Missing expression after ','.", "MissingExpressionAfterToken")
            items.append(self.parse_unary())

    def parse_unary(self) -> Node:
        start = self.pos
        char, after = self.peek(), self.peek(1)
        if char == "!":
            self.pos += 1
            self.skip_blanks(newlines=True)
            return UnaryOperation("-not", self.parse_unary(), Extent(start, self.pos))
        if char and char in DASHES and after.isalpha():
            match = typing.cast(re.Match[str], OPERATOR_WORD.match(self.text, start + 1))
            operator = "-" + match.group().lower()
            if operator not in ("-not", "-split", "-join", "-isplit", "-csplit"):
                raise unsupported(f"The {operator} operator at the start of an expression", start, match.end())
            self.pos = match.end()
            self.skip_blanks(newlines=True)
            return UnaryOperation(operator, self.parse_unary(), Extent(start, self.pos))
        if char and char in "+" + DASHES and not (after.isdigit() or after == "."):
            self.pos += 1
            self.skip_blanks(newlines=True)
            return UnaryOperation("-" if char in DASHES else "+", self.parse_unary(), Extent(start, self.pos))
        return self.parse_postfix(self.parse_primary())

    # ------------------------------------------------------------------ member access, indexing, calls
    def parse_postfix(self, node: Node) -> Node:
        start = self.pos
        while True:
            char = self.peek()
            if char == "." and self.peek(1) != ".":
                self.pos += 1
                node = self.parse_member(node, start)
            elif char == "[":
                self.pos += 1
                self.skip_blanks(newlines=True)
                index = self.parse_expression()
                self.skip_blanks(newlines=True)
                if self.peek() != "]":
                    raise self.syntax_error("Missing ']' after array index expression.", "MissingEndSquareBracket")
                self.pos += 1
                node = IndexAccess(node, index, Extent(start, self.pos))
            elif char == ":" and self.peek(1) == ":":
                raise unsupported("Static members (::)", self.pos, self.pos + 2)
            else:
                return node

    def parse_member(self, target: Node, start: int) -> Node:
        char = self.peek()
        member: Node
        if char in QUOTES:
            member = self.parse_primary()
        elif char == "$":
            variable = self.read_embedded_variable()
            member = Literal(variable) if isinstance(variable, str) else variable
        else:
            match = MEMBER_NAME.match(self.text, self.pos)
            if match is None:
                raise self.syntax_error("Missing property name after reference operator.", "MissingPropertyName")
            self.pos = match.end()
            member = Literal(match.group())
        if self.peek() == "(" and isinstance(member, Literal):
            return MethodCall(target, str(member.value), self.parse_method_arguments(), Extent(start, self.pos))
        return MemberAccess(target, member, Extent(start, self.pos))

    def parse_method_arguments(self) -> list[Node]:
        self.pos += 1
        self.skip_blanks(newlines=True)
        arguments: list[Node] = []
        if self.peek() == ")":
            self.pos += 1
            return arguments
        while True:
            arguments.append(self.parse_logical_without_comma())
            self.skip_blanks(newlines=True)
            if self.peek() == ",":
                self.pos += 1
                self.skip_blanks(newlines=True)
                continue
            if self.peek() != ")":
                raise self.syntax_error("Missing closing ')' in method call.", "MissingEndParenthesisInMethodCall")
            self.pos += 1
            return arguments

    def parse_logical_without_comma(self) -> Node:
        """A method argument: an expression whose commas separate arguments."""
        expression = self.parse_expression()
        return expression.items[0] if isinstance(expression, CommaList) and len(expression.items) == 1 else expression

    # ------------------------------------------------------------------ primary expressions
    def parse_primary(self) -> Node:
        start = self.pos
        char, after = self.peek(), self.peek(1)
        if not char:
            raise self.syntax_error("An expression was expected.", "ExpectedExpression")
        if char in SINGLE_QUOTES:
            return Literal(self.read_single_quoted())
        if char in DOUBLE_QUOTES:
            return self.read_double_quoted()
        if char == "$":
            if after == "(":
                return self.parse_subexpression()
            variable = self.read_embedded_variable()
            return Literal(variable) if isinstance(variable, str) else variable
        if char in "@(":
            return self.parse_grouping()
        if char == "{":
            return self.parse_script_block()
        if char == "[":
            raise unsupported("Type literals and casts ([type])", start)
        if char.isdigit() or char == "." or (char in "+" + DASHES and (after.isdigit() or after == ".")):
            return self.parse_number()
        self.refuse_command_here()
        raise self.syntax_error(f"Unexpected token '{self.token_text()}' in expression or statement.",
                                "UnexpectedToken")

    def refuse_command_here(self) -> None:
        """A bare word where a value is expected: PowerShell would need parentheses to run it as a command."""
        match = COMMAND_WORD.match(self.text, self.pos)
        if match:
            raise self.syntax_error(f"Unexpected token '{match.group()}' in expression or statement (put a command "
                                    "in parentheses to use its output as a value; quote literal text).",
                                    "UnexpectedToken", self.pos, match.end())

    def parse_number(self) -> Node:
        start = self.pos
        sign = self.peek() if self.peek() in "+" + DASHES else ""
        self.pos += len(sign)
        match = re.compile(r"(?:0x[0-9a-fA-F]+|(?:\d+(?:\.(?!\.)\d*)?|\.\d+)(?:[eE][+-]?\d+)?)[lLdD]?"
                           r"(?:[kKmMgGtTpP][bB])?").match(self.text, self.pos)
        raw = match.group() if match else ""
        self.pos += len(raw)
        number = number_value(("-" if sign and sign != "+" else sign) + raw)
        if number is None or (self.peek() and self.peek() not in WORD_END + ".[]=+-*/%!"):
            raise unsupported(f"The expression '{self.text[start:self.pos + 1]}'", start, self.pos + 1)
        return Literal(number)

    def parse_grouping(self) -> Node:
        char, after = self.peek(), self.peek(1)
        if char == "(":
            return self.parse_parenthesized()
        if after == "(":
            self.pos += 2
            return ArrayLiteral(self.parse_statements(")"))
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
        pipeline = self.parse_pipeline()
        self.skip_blanks(newlines=True)
        if self.at_end():
            raise self.syntax_error("Missing closing ')' in expression.", "MissingEndParenthesisInExpression", start)
        if self.peek() != ")":
            raise unsupported("Several statements inside ( … ) (use $( … ))", self.pos)
        self.pos += 1
        return ParenExpression(pipeline)

    def parse_subexpression(self) -> Node:
        self.pos += 2
        return SubExpression(self.parse_statements(")"))

    def parse_script_block(self) -> Node:
        start = self.pos
        self.pos += 1
        statements = self.parse_statements("}")
        return ScriptBlockLiteral(statements, self.text[start + 1:self.pos - 1])

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
        pipeline = self.parse_pipeline()
        value = pipeline.leading if pipeline.leading is not None and not pipeline.commands else ParenExpression(
            pipeline)
        if any(k.lower() == key.lower() for k, _ in entries):
            raise self.syntax_error(f"Duplicate keys '{key}' are not allowed in hash literals.",
                                    "DuplicateKeyInHashLiteral", key_start, key_start + len(key))
        self.skip_blanks(newlines=False)
        if self.peek() and self.peek() not in ";}" + NEWLINES:
            raise self.syntax_error(f"Unexpected token '{self.token_text()}' in hash literal.", "UnexpectedToken")
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

    # ------------------------------------------------------------------ words, variables and strings
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
        """A bare word: its text with backtick escapes applied and variables as parts, and its raw text."""
        start = self.pos
        parts: list[str | Node] = []
        buffer: list[str] = []
        while not self.at_end():
            char = self.peek()
            if char in WORD_END or (char == "`" and self.peek(1) in NEWLINES):
                break  # a backtick at the end of a line (or of the text) continues the line
            self.read_expanding(buffer, parts)
        if buffer:
            parts.append("".join(buffer))
        return parts, self.text[start:self.pos]

    def read_expanding(self, buffer: list[str], parts: list[str | Node]) -> None:
        """One character of text that expands (a bare word, a double-quoted string): a backtick escape, a
        `$` variable or `$( … )` (a part of its own, after the text `buffer` gathered so far), or itself."""
        char = self.peek()
        if char == "`" and self.peek(1):
            buffer.append(ESCAPES.get(self.peek(1), self.peek(1)))
            self.pos += 2
        elif char == "$":
            variable = self.parse_subexpression() if self.peek(1) == "(" else self.read_embedded_variable()
            if isinstance(variable, str):
                buffer.append(variable)
                return
            if buffer:
                parts.append("".join(buffer))
                buffer.clear()
            parts.append(variable)
        else:
            buffer.append(char)
            self.pos += 1

    def read_embedded_variable(self) -> Node | str:
        """`$name`, `${name}`, `$env:NAME`, `$_` at `$`; a `$` that starts no name is itself."""
        start = self.pos
        after = self.peek(1)
        if after == "{":
            end = self.text.find("}", start + 2)
            if end < 0:
                raise self.syntax_error("Missing '}' at the end of the variable name.", "MissingEndCurlyBrace")
            self.pos = end + 1
            return self.variable_node(self.text[start + 2:end], Extent(start, self.pos))
        if after == "?":
            self.pos += 2
            return Variable("?", Extent(start, self.pos))
        match = VARIABLE_NAME.match(self.text, start + 1)
        if match is None:
            if after and after in "$^":
                raise unsupported(f"The automatic variable ${after}", start, start + 2)
            self.pos += 1
            return "$"
        self.pos = match.end()
        return self.variable_node(match.group(), Extent(start, self.pos))

    def variable_node(self, name: str, extent: Extent) -> Node:
        lowered = name.lower()
        if lowered in ("true", "false", "null"):
            return Literal({"true": True, "false": False, "null": None}[lowered])
        scope, _, rest = name.partition(":")
        if rest and scope.lower() == "env":
            return EnvVariable(rest)
        if rest and scope.lower() in ("global", "script", "local"):
            name, lowered = rest, rest.lower()
        elif rest:
            raise unsupported(f"The variable ${name} (drive-qualified variables other than $env:)", extent.start,
                              extent.end)
        if lowered in AUTOMATIC_NOT_EMULATED:
            raise unsupported(f"The automatic variable ${name}", extent.start, extent.end)
        return Variable(name, extent)

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
        """`"…"`: `$name`, `$env:NAME` and `$( … )` expand; `$name.Member` expands only `$name`, as in PowerShell."""
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
            self.read_expanding(buffer, parts)
        if buffer:
            parts.append("".join(buffer))
        if all(isinstance(p, str) for p in parts):
            return Literal("".join(typing.cast(list[str], parts)))
        return ExpandableString(parts)
