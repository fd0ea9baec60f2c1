"""Per-language support: a tags-style query file (data) plus a small adapter class.

Adding a language = a `queries/<name>.scm` file and an `Adapter` subclass registered below; see
docs/languages.md.
"""
from __future__ import annotations

from functools import lru_cache

_ADAPTERS = {
    # language name -> "module:Class"
    "python": "graphbuddy.languages.python:PythonAdapter",
    "javascript": "graphbuddy.languages.javascript:JavaScriptAdapter",
    "typescript": "graphbuddy.languages.javascript:TypeScriptAdapter",
    "tsx": "graphbuddy.languages.javascript:TsxAdapter",
    "ruby": "graphbuddy.languages.ruby:RubyAdapter",
    "php": "graphbuddy.languages.php:PhpAdapter",
    "c": "graphbuddy.languages.cfamily:CAdapter",
    "cpp": "graphbuddy.languages.cfamily:CppAdapter",
    "java": "graphbuddy.languages.java:JavaAdapter",
    "go": "graphbuddy.languages.go:GoAdapter",
    "csharp": "graphbuddy.languages.csharp:CSharpAdapter",
    "kotlin": "graphbuddy.languages.kotlin:KotlinAdapter",
    "rust": "graphbuddy.languages.rust:RustAdapter",
}

EXTENSIONS = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".tsx": "tsx",
    ".rb": "ruby", ".rake": "ruby",
    ".php": "php",
    ".c": "c",
    ".cpp": "cpp", ".h": "cpp", ".hh": "cpp", ".hpp": "cpp", ".hxx": "cpp", ".cc": "cpp", ".cxx": "cpp",
    ".c++": "cpp", ".h++": "cpp",
    ".java": "java",
    ".go": "go",
    ".cs": "csharp",
    ".kt": "kotlin", ".kts": "kotlin",
    ".rs": "rust",
}

# Files whose content changes how imports resolve (read by discovery, handed to adapters as `config`).
CONFIG_FILES = frozenset({"tsconfig.json", "jsconfig.json", "composer.json", "go.mod", "Cargo.toml"})


def language_for_path(path: str) -> str | None:
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    if dot <= 0:
        return None
    return EXTENSIONS.get(name[dot:].lower())      # ".d.ts" ends in ".ts": typescript


def supported_languages() -> list[str]:
    return sorted(_ADAPTERS)


@lru_cache(maxsize=None)
def adapter_for(language: str):
    import importlib

    module_name, class_name = _ADAPTERS[language].split(":")
    return getattr(importlib.import_module(module_name), class_name)()
