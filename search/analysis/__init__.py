"""Urdu + English text analysis for talash.

The model is Whoosh's: an analyzer turns text into a stream of tokens (terms with positions
and character offsets). talash splits the work by role:

- ``chars``: the named code points the rules talk about;
- ``normalize``: pure ``str -> str`` functions (the pre-pass of ANALYSIS.md, loose keys);
- ``tokenizers``: ICU word breaking, script and digit splits, handles, hashtags and URLs,
  sentence ends; it returns plain token records with offsets into the original text;
- ``filters``: what each field makes of a token (strict, loose, joined pair, stem);
- ``crossscript``: consonant-class keys that let Roman Urdu and English meet Urdu script;
- ``analyzers``: the Whoosh analyzer per field, deriving every field from one tokenization.
"""
