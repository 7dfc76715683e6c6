// Kept apart from global-options.ts so that `help` prints without loading the config schema.
export const GLOBAL_USAGE = `Global options:
  --config <file>           configuration file (default: ./config.yaml if present, else built-in defaults)
  --mode <auto|review|disabled>
  --serve-spa               serve the review page and REST API
  --listen <host:port>      where the review page listens (default 127.0.0.1:8080)
  --llm-url <url>           LLM endpoint (Ollama /api/generate or /api/chat, or an OpenAI-compatible base URL)
  --llm-provider <name>     openai | anthropic | groq (with --llm-api-key)
  --llm-api-key <key>
  --llm-model <name>
  --db <path>               SQLite database path`;
