"""Cross-project intelligence: projects and groups, typed dependencies (declared and discovered from
manifests), dependency-aware ranking, impact analysis and teams. See docs/cross-project.md."""
