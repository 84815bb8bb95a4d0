import JSONC
