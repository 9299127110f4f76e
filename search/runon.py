"""Query words typed without their spaces, cut into the words the index knows.

After a letter that does not join the next one (ا د ر و ے …) a missing space changes nothing
on screen, so Urdu typists often leave it out: وضوکیسےکرتےتھے is وضو کیسے کرتے تھے. The index
keeps two words written as one in its ``join`` field (analysis rule 16), which covers a
compound or a pair, but not three or more words run together, and a run-together query word
then matches nothing. Here such a word, when no title or body has it, is cut after
non-joining letters into the fewest pieces that every one is a word of the index.
"""

import dataclasses
from collections.abc import Callable

from search.analysis import filters
from search.analysis.tokenizers import Tok

# Letters with no joining form towards the next letter (and the hamza, which never joins).
NON_JOINING = frozenset("اآأإٱدڈذرڑزژوؤےۓءۃ")
MIN_PIECE = 2  # one-letter Urdu words are not indexed
MIN_WORD = 4  # shorter words are not worth cutting


def cut(word: str, known: Callable[[str], bool]) -> list[str] | None:
    """``word`` cut into the fewest known words of ``MIN_PIECE`` letters or more, cutting only
    after a non-joining letter; None when the word is known itself or cannot be cut so."""
    if len(word) < MIN_WORD or known(word):
        return None
    cuts = [i + 1 for i, ch in enumerate(word[:-1]) if ch in NON_JOINING]
    best: dict[int, list[str]] = {0: []}  # a cut → the fewest pieces that reach it
    for end in [*cuts, len(word)]:
        for start in [0, *cuts]:
            if start in best and end - start >= MIN_PIECE:
                pieces = [*best[start], word[start:end]]
                if (end not in best or len(pieces) < len(best[end])) and known(pieces[-1]):
                    best[end] = pieces
    pieces = best.get(len(word))
    return pieces if pieces and len(pieces) > 1 else None


def split_tokens(toks: list[Tok], known: Callable[[str], bool]) -> list[Tok]:
    """``toks`` with each run-together Urdu word replaced by its pieces, positions renumbered
    so the pieces (and the words after them) stay adjacent."""
    out: list[Tok] = []
    extra = 0  # positions the cuts so far have added
    for tok in toks:
        word = filters.strict(tok.text, "ur") if tok.script == "ur" else ""
        pieces = cut(word, known) if tok.kind == "word" and word else None
        if not pieces:
            out.append(dataclasses.replace(tok, pos=tok.pos + extra) if extra else tok)
            continue
        # Offsets into the query text: each piece's own where normalization kept the length,
        # else the whole word's.
        exact = tok.end - tok.start == len(word)
        start = tok.start
        for i, piece in enumerate(pieces):
            end = start + len(piece) if exact else tok.end
            out.append(dataclasses.replace(tok, text=piece, pos=tok.pos + extra + i,
                                           start=start if exact else tok.start, end=end))
            start += len(piece)
        extra += len(pieces) - 1
    return out
