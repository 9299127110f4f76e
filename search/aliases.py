"""The alias table: names that are translations, not transliterations, as query-time synonyms.

The cross-script key finds بلنکن for ``blinken`` because the two sound alike; it cannot find
امریکہ for ``US`` or تحریک انصاف for ``PTI``. The alias table lists such names, one group of
equivalent forms per line, and a query that contains one form also searches for the others.

The file is plain UTF-8 text the operator can edit (``TALASH_ALIASES`` names it; the built-in
table is ``search/analysis/data/aliases.txt``)::

    # comment
    امریکہ | امریکا | "US" | U.S. | USA | United States | America

Forms are separated by ``|`` and matched as whole words after the analyzer's normalization
(letter case, Arabic/Urdu letter variants). A form in double quotes matches only as written,
case included: ``"US"`` matches the query ``US`` but not the pronoun ``us``; it is not searched
for in documents, as the index does not keep letter case. A malformed file
raises ``AliasFileError`` naming the file and line. ``python -m search.aliases FILE`` checks one.
"""

import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from whoosh import query as Q

from search.analysis import filters
from search.analysis.crossscript import Match
from search.analysis.tokenizers import tokenize
from search.errors import TalashError
from search.matched import key_matches
from search.textwords import cached_scan

DEFAULT_NAME = "aliases.txt"
SEPARATOR = "|"
_KINDS = ("word", "handle", "tag")  # the query tokens a form can match (not URL pieces)


class AliasFileError(TalashError):
    """The alias file cannot be read or has a malformed line."""

    exit_code = 2


@dataclass(frozen=True)
class Form:
    """One way of writing a name: its strict terms, and for a quoted form the exact text."""

    text: str
    terms: tuple[str, ...]
    exact: tuple[str, ...] | None = None  # original token texts, when matched as written


@dataclass(frozen=True)
class AliasMatch:
    """Query tokens ``start:end`` spell ``form``; ``alternatives`` are the group's other forms."""

    start: int
    end: int
    form: Form
    alternatives: tuple[Form, ...]

    def alts(self, boosts: dict, weight: float = 1.0) -> list[tuple[str, str, float]]:
        """``(field, term, weight)`` lookups for the alternatives that are one term: a word in
        title and body (an Urdu one also in the join field, which has وزیر اعظم as وزیراعظم);
        two Urdu words as one (join field, or written as one word in title and body)."""
        out = []
        for alt in self.searchable():
            terms = alt.terms
            if len(terms) == 1:
                out += [("title", terms[0], boosts["title"] * weight),
                        ("body", terms[0], boosts["body"] * weight)]
                if _is_urdu(terms[0]):
                    out.append(("join", terms[0], boosts["join"] * weight))
            elif _urdu_pair(terms):
                joined = filters.joined(*terms)
                out += [("join", joined, boosts["join"] * weight),
                        ("title", joined, boosts["title"] * weight),
                        ("body", joined, boosts["body"] * weight)]
        return out

    def phrases(self) -> list[tuple[str, ...]]:
        """The alternatives ``alts`` cannot express: English or three-plus-word forms."""
        return [alt.terms for alt in self.searchable()
                if len(alt.terms) > 1 and not _urdu_pair(alt.terms)]

    def query(self, boosts: dict, weight: float = 1.0) -> Q.Query:
        """All alternatives as one Whoosh query: ``alts`` as terms, ``phrases`` as phrases of
        title and body."""
        subs = [Q.Term(f, term, boost=w) for f, term, w in self.alts(boosts, weight)]
        for terms in self.phrases():
            subs += [Q.Phrase("title", list(terms), boost=boosts["title"] * weight),
                     Q.Phrase("body", list(terms), boost=boosts["body"] * weight)]
        return Q.Or(subs) if subs else Q.NullQuery

    def searchable(self) -> tuple[Form, ...]:
        """The alternatives to look for in documents: not quoted forms, as the index does not
        keep letter case ("US" would find every "us")."""
        return tuple(alt for alt in self.alternatives if alt.exact is None)


def _is_urdu(term: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in term)


def _urdu_pair(terms: tuple[str, ...]) -> bool:
    return len(terms) == 2 and _is_urdu(terms[0]) and _is_urdu(terms[1])


class AliasTable:
    """Groups of equivalent forms, looked up by the first term of a form."""

    def __init__(self, groups: list[tuple[Form, ...]], source: str = ""):
        self.groups = groups
        self.source = source
        self._by_first: dict[str, list[tuple[Form, tuple[Form, ...]]]] = {}
        for group in groups:
            for form in group:
                others = tuple(f for f in group if f is not form)
                self._by_first.setdefault(form.terms[0], []).append((form, others))
        for candidates in self._by_first.values():
            candidates.sort(key=lambda c: -len(c[0].terms))  # longest form first

    def __len__(self):
        return len(self.groups)

    def __repr__(self):
        return f"AliasTable({len(self.groups)} groups from {self.source or 'memory'})"

    def find(self, toks, text: str) -> list[AliasMatch]:
        """Non-overlapping alias forms in query tokens ``toks`` of ``text``, longest first."""
        out, i = [], 0
        strict = [filters.strict(t.text, t.script) for t in toks]
        while i < len(toks):
            match = self._match_at(toks, strict, text, i)
            if match:
                out.append(match)
                i = match.end
            else:
                i += 1
        return out

    def _match_at(self, toks, strict, text, i) -> AliasMatch | None:
        for form, others in self._by_first.get(strict[i], ()):
            end = i + len(form.terms)
            span = toks[i:end]
            if (tuple(strict[i:end]) == form.terms
                    and all(t.kind in _KINDS for t in span)
                    and all(b.pos == a.pos + 1 for a, b in zip(span, span[1:], strict=False))
                    and (form.exact is None
                         or tuple(text[t.start:t.end] for t in span) == form.exact)):
                return AliasMatch(i, end, form, others)
        return None

    def expand(self, text: str) -> list[str]:
        """``text`` with each alias form replaced by each other form of its group: the
        alternative query strings (one form replaced at a time)."""
        toks = tokenize(text)
        out = []
        for m in self.find(toks, text):
            head, tail = text[:toks[m.start].start], text[toks[m.end - 1].end:]
            out += [head + alt.text + tail for alt in m.searchable()]
        return out

    def explain(self, toks, text: str, docs: list[tuple[str, list]]) -> list[Match]:
        """Which alias form of the query each document text ``(text, tokens)`` contains; the
        longest occurrence wins (پاکستان تحریک انصاف, not also تحریک انصاف inside it)."""
        out, seen = [], set()
        for m in self.find(toks, text):
            query = " ".join(m.form.terms)
            for doc_text, doc_toks in docs:
                doc_terms = [filters.strict(t.text, t.script) for t in doc_toks]
                spans = {(j, j + len(alt.terms)) for alt in m.searchable()
                         for j in _occurrences(doc_terms, alt.terms)}
                for j, k in sorted(spans):
                    if any(a <= j and k <= b and (a, b) != (j, k) for a, b in spans):
                        continue
                    start, end = doc_toks[j].start, doc_toks[k - 1].end
                    if (query, doc_text[start:end]) not in seen:
                        seen.add((query, doc_text[start:end]))
                        out.append(Match(query, doc_text[start:end], "alias", start, end))
        return out


def explain(toks, text: str, docs: list, table: AliasTable | None = None) -> list[Match]:
    """What the reader sees for one result: each query word (or pair) that matched through
    another form, an alias (``pti → تحریک انصاف``) or a cross-script key (``blinken → بلنکن``).

    ``toks`` are the query tokens of ``text``; ``docs`` the document's texts (title, body),
    each a string or a ``(text, tokens)`` pair (only the text is read: it is scanned word by
    word through a cache, see ``textwords``). One form per query word or pair, the first
    found; a key match inside an alias match (ایم ایف in آئی ایم ایف) is left out.
    """
    texts = [doc if isinstance(doc, str) else doc[0] for doc in docs]
    scans = [cached_scan(doc_text) for doc_text in texts]
    exact = _Exact(scans)
    aliased = table is not None and bool(table.find(toks, text))
    out, seen = [], set()
    for doc_text, words in zip(texts, scans, strict=True):
        by_alias = table.explain(toks, text, [(doc_text, words.tokens())]) if aliased else []
        by_key = [m for m in key_matches(toks, doc_text, words, exact)
                  if not any(a.start <= m.start and m.end <= a.end for a in by_alias)]
        for m in by_alias + by_key:
            if m.query not in seen:
                seen.add(m.query)
                out.append(m)
    return out


class _Exact:
    """Whether a term is in one of the texts as written; asked only for query words that
    matched by key, so the texts' forms are collected only then."""

    def __init__(self, scans):
        self.scans = scans

    def __contains__(self, term: str) -> bool:
        return any(term in s.strict_forms() for s in self.scans)


def _occurrences(terms: list[str], wanted: tuple[str, ...]):
    n = len(wanted)
    return (j for j in range(len(terms) - n + 1) if tuple(terms[j:j + n]) == wanted)


def default_path() -> Path:
    """The built-in alias table shipped with talash."""
    return Path(str(resources.files("search.analysis").joinpath("data", DEFAULT_NAME)))


def load(path: str | Path | None = None) -> AliasTable:
    """Read an alias file (the built-in one if ``path`` is None or empty)."""
    path = Path(path) if path else default_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AliasFileError(f"alias file not found: {path}; point TALASH_ALIASES at an "
                             "existing file, or unset it to use the built-in table") from None
    except OSError as exc:
        raise AliasFileError(f"cannot read alias file {path}: {exc.strerror}; check the "
                             "path and its permissions") from None
    return parse(data, str(path))


def parse(data: bytes | str, source: str = "<aliases>") -> AliasTable:
    """Parse the alias table text; ``source`` names it in error messages."""
    lines = data.splitlines() if isinstance(data, str) else data.split(b"\n")
    groups, seen = [], {}
    for number, raw in enumerate(lines, start=1):
        line = _decode(raw, source, number).strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        group = _group(line, source, number)
        for form in group:
            if form.terms in seen:
                raise _error(source, number, f"form {form.text!r} is already in the group on "
                             f"line {seen[form.terms]}; merge the two lines into one")
            seen[form.terms] = number
        groups.append(group)
    return AliasTable(groups, source)


def _decode(raw, source: str, number: int) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _error(source, number, "this line is not UTF-8 text; save the file as "
                     "UTF-8") from None


def _group(line: str, source: str, number: int) -> tuple[Form, ...]:
    forms, terms_seen = [], set()
    for part in line.split(SEPARATOR):
        form = _form(part.strip(), source, number)
        if form.terms not in terms_seen:
            terms_seen.add(form.terms)
            forms.append(form)
    if len(forms) < 2:
        raise _error(source, number, f"a group needs at least two different forms separated "
                     f"by '{SEPARATOR}', found {len(forms)} in {line!r}; add the other forms "
                     "or delete the line")
    return tuple(forms)


def _form(text: str, source: str, number: int) -> Form:
    if not text:
        raise _error(source, number, f"empty form (a '{SEPARATOR}' at the start or end, or two "
                     "in a row); remove the extra separator")
    quoted = len(text) > 2 and text[0] == text[-1] == '"'
    inner = text[1:-1] if quoted else text
    if '"' in inner:
        raise _error(source, number, f"form {text!r}: a double quote must wrap a whole form, "
                     'as in "US"')
    toks = [t for t in tokenize(inner) if t.kind in _KINDS]
    if not toks:
        raise _error(source, number, f"form {text!r} has no words to match; write the name "
                     "in letters or digits")
    terms = tuple(filters.strict(t.text, t.script) for t in toks)
    exact = tuple(inner[t.start:t.end] for t in toks) if quoted else None
    return Form(text, terms, exact)


def _error(source: str, number: int, message: str) -> AliasFileError:
    return AliasFileError(f"{source}:{number}: {message}")


def main(argv: list[str]) -> int:
    """Check an alias file: ``python -m search.aliases [FILE]``."""
    try:
        table = load(argv[0] if argv else None)
    except AliasFileError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"{table.source}: {len(table)} alias groups, OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
