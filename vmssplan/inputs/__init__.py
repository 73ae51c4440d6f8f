"""Stage: reading inputs. Every file a run opens is read here, and nothing else is.

- :mod:`.documents` (files, ``-``, ``git:REV:PATH``): JSON with its checks, the kind of
  document by shape, the scale sets it holds;
- :mod:`.git`: documents at a revision and the files changed since one;
- :mod:`.parameters`: which parameter files and ``NAME=VALUE`` arguments a template gets;
- :mod:`.edits`: ``--set/--add/--remove`` and ``--patch``, applied to a model;
- :mod:`.instances`: the VMs of a scale set, from an instance list;
- :mod:`.revisions`: which changed files to plan against a revision;
- :mod:`.reader`: the documents and secrets one run has read;
- :mod:`.files`: the one gate every file read from disk passes (inside the repository,
  regular, bounded; never blocks).

:class:`.reader.Reader` keeps what a run has read: every document (findings are located
in them at the end) and every secret value seen (scrubbed from the view).

Nothing is imported here: the CLI takes its edit tokens from :mod:`.edits` at every
start, and a pre-commit hook starts often.
"""
