export const HELP = `scoped-mcp — a per-agent scoped MCP tool proxy

Usage:
  scoped-mcp --manifest PATH [--audit-log PATH] [--ops-log PATH]   serve over stdio (same as 'run')
  scoped-mcp run --manifest PATH [--audit-log PATH] [--ops-log PATH] [--modules-from DIR]
  scoped-mcp validate --manifest PATH      check a manifest; print the agent type and its tool names
  scoped-mcp modules [--manifest PATH]     list installed module packages (reads package.json only;
                                           those under the working directory are listed, never loaded)
  scoped-mcp schema                        print the manifest JSON Schema (for editors)
  scoped-mcp audit verify FILE [--head HASH] [--key-env VAR]
                                           check an audit log's hash chain; --head: that it still
                                           holds the head kept elsewhere (ops log audit_head, health
                                           file); --key-env: the variable holding audit.chain_key's key
  scoped-mcp hitl --manifest PATH list | show ID | approve ID | reject ID [REASON]
                                           read and decide pending human-in-the-loop approvals
                                           (redis state); 'show' prints a call's exact arguments
  scoped-mcp --help | --version

Commands from modules:
  Modules may add commands of their own. Any other command word runs the command of the manifest's
  modules that add it: scoped-mcp WORD ... --manifest PATH [--modules-from DIR] ('validate' lists them).
  For example, the mcp_proxy module adds:
  scoped-mcp pins update --manifest PATH   record its upstreams' tool definitions in
                                           <manifest>.pins.json (for pinning: warn | enforce)

Environment:
  AGENT_ID, AGENT_TYPE        identity of the agent this process serves (required by 'run')
  SCOPED_MCP_HEALTH_FILE      write a JSON health report here after startup
  SCOPED_MCP_MODULES_FROM     extra directories to find module packages in (':'-separated)
  SCOPED_MCP_LOG_LEVEL        ops log level (default info)
  NODE_DISABLE_COMPILE_CACHE  set to 1: 'run' keeps no compile cache in ~/.cache/scoped-mcp

Modules are found next to the manifest, next to this CLI, or in --modules-from; never in the
working directory. 'scoped-mcp modules' lists them and says how to install one here.
`;
