import type { AgentTool } from '../../../llm/tool-registry.ts';
import type { AllowlistStore } from '../../../store/allowlist-store.ts';
import { type ApplyBlockToolOptions, createApplyBlockTool } from './apply-block-tool.ts';
import { createCheckAllowlistTool } from './check-allowlist-tool.ts';
import { createInspectPatternsTool, type InspectPatterns } from './inspect-patterns-tool.ts';
import { createQueryLogsTool, type QueryLogsExecutor } from './query-logs-tool.ts';

export interface NetworkGuardToolOptions extends ApplyBlockToolOptions {
  allowlist: AllowlistStore;
  /** Omitted when no log store is configured: the tool is then not offered. */
  queryLogs?: QueryLogsExecutor;
  /** A source-specific query_logs (the file source's recent events, Elasticsearch's guarded DSL); wins over queryLogs. */
  queryLogsTool?: AgentTool<never>;
  /** Omitted when Kubernetes is not configured. */
  inspectPatterns?: InspectPatterns;
}

/** The spec's four agent tools for the network guard. */
export function createNetworkGuardTools(options: NetworkGuardToolOptions): AgentTool<never>[] {
  const tools: AgentTool<never>[] = [];
  if (options.queryLogsTool) tools.push(options.queryLogsTool);
  else if (options.queryLogs) tools.push(createQueryLogsTool(options.queryLogs) as AgentTool<never>);
  tools.push(createCheckAllowlistTool(options.allowlist) as AgentTool<never>);
  if (options.inspectPatterns) tools.push(createInspectPatternsTool(options.inspectPatterns) as AgentTool<never>);
  tools.push(createApplyBlockTool(options) as AgentTool<never>);
  return tools;
}
