"""Weekly discussion prompts (ParentNet style): series of prompts as data, and the
commands to browse them."""
