"""Which adjacent word pairs of a text can have a given cross-script key, told cheaply.

The cross-script key of two adjacent words read as one (``crossscript.pair_keys``) is
Python work for every pair, and a Roman or English query could in principle match any pair
of a long article. Joining two words only changes their keys where they meet, so a pair's
key begins with one of its first word's ``key_heads`` and ends with one of its second word's
``pair_tails`` (each checked on pairs of the news corpus' words; tests/test_snippets.py).
Snippets and ``matched`` keep these per word (``textwords.Word``) and key only the pairs
whose first word's heads begin, and whose second word's tails end, one of the query's keys.
"""

import itertools
from functools import lru_cache
from typing import TYPE_CHECKING

from search.analysis import crossscript, filters
from search.analysis.stopwords import stopwords
from search.analysis.tokenizers import Tok

if TYPE_CHECKING:
    from search.textwords import Scan

HEADS_CACHE = 1 << 16  # distinct words (as textwords.WORD_CACHE)


# A last key symbol that joining two Urdu words can turn into others: ن before ب or پ is
# read m (سنبھال: only ever followed by b or p), ک and پ before a ھ beginning the next word
# are خ and ف (کھ, پھ).
_JOIN_TURNS = {"n": ("mb", "mp"), "k": ("x",), "p": ("f",)}


@lru_cache(maxsize=HEADS_CACHE)
def key_heads(text: str, script: str) -> tuple[str, ...]:
    """What the key of a pair this word begins starts with, one of these with the script's
    key prefix (the prefix alone: anything). Joining two Urdu words keeps the first word's
    key but for its last symbol, which ``_JOIN_TURNS`` may turn (a final h heard, ڑھ read
    rh, a like symbol merged only add after it or keep it; checked on the news corpus'
    pairs): the word's keys, and each with that symbol turned. Latin spelling rules reach
    across the join (c before e, t before ion), and readings may have been cut: there, the
    keys less their last symbol. So the key of a pair can only be a query key if one of
    these begins that query key."""
    prefix = crossscript.KEY_PREFIX.get(script)
    if prefix is None:
        return ()
    found = crossscript.keys(filters.strict(text, script), script)
    if script != "ur" or len(found) >= crossscript.MAX_KEYS:
        return tuple(prefix + k[:-1] for k in found) or (prefix,)
    heads = [prefix + k for k in found]
    for k in found:
        heads += [prefix + _merged(k[:-1] + turned) for turned in _JOIN_TURNS.get(k[-1], ())]
        if k[-2:] == "mp":  # the ن of سانپ (smp) is n again when پھ is ف: snf
            heads.append(prefix + _merged(k[:-2] + "nf"))
    return tuple(heads) or (prefix,)


def _merged(key: str) -> str:
    """``key`` with each run of one symbol as one, as keys are."""
    return "".join(c for c, _ in itertools.groupby(key))


def pair_tails(tok: Tok) -> frozenset:
    """Strings one of which ends the key of any pair that ``tok`` ends, with the script's key
    prefix: the prefix alone (no constraint) but for Urdu, whose pair keys end with one of
    the word's own keys less its first two symbols. (Joining only touches the symbols where
    the words meet: the first word's last one, and a second word's first letter, read as the
    start of a word alone (ا → A) but inside the pair not at all. Checked on 890,000 pairs of
    the news corpus' words.) Then the key of a pair can be a query key only if one of these
    ends it: a Roman query's keys rule out most pairs after a short word (کے کی سے …),
    which every such query's heads let through (``key_heads``)."""
    prefix = crossscript.KEY_PREFIX.get(tok.script)
    if prefix is None:
        return frozenset()  # no pair ending here has a key
    found = crossscript.keys(filters.strict(tok.text, tok.script), tok.script)
    if tok.script != "ur" or not found or len(found) >= crossscript.MAX_KEYS:
        return frozenset((prefix,))  # Latin spelling rules reach further; cut readings
    return frozenset(prefix + k[2:] for k in found)


def no_pair_after(words: "Scan", k: int, i: int, ends: frozenset) -> bool:
    """Whether token i of word k, when it is that word's last token and a word follows, and
    the first token of that next word are sure to have no pair key among the keys whose
    endings are ``ends`` (``key_tails``); False when unsure (token i is not the last, k is
    the text's last word, or the next word has no tokens: the next token is further on)."""
    w = words.words[k]
    if i != len(w.toks) - 1 or k + 1 >= len(words.words):
        return False
    after = words.words[k + 1]
    return bool(after.toks) and (after.tails.isdisjoint(ends)
                                 or after.first_stop and w.strict[i] in stopwords())


def key_beginnings(terms) -> frozenset:
    """Every beginning of the prefixed key terms ``terms``, the whole terms too: what
    ``Word.key_heads`` are tested against (a pair's key can be one of ``terms`` only if a head
    of its first word is one of these)."""
    return frozenset(t[:n] for t in terms for n in range(1, len(t) + 1))


def key_tails(terms) -> frozenset:
    """Every ending of the prefixed key terms ``terms``, each with its prefix (the prefix
    alone too): what ``Word.tails`` are tested against."""
    return frozenset(t[0] + t[j:] for t in terms for j in range(1, len(t) + 1))
