-- netpol-lsp for Neovim's built-in LSP client (Neovim 0.7 and later).
--
-- Put this file on your 'runtimepath' as lua/netpol-lsp.lua (then `require("netpol-lsp")`),
-- or load it from where it is with `dofile("/path/to/netpol-lsp.lua")`. Then ONE of:
--
--   require("netpol-lsp").setup()        -- plain vim.lsp: start_client (0.7-0.9),
--                                        -- vim.lsp.start (0.10), vim.lsp.config + enable (0.11+)
--   require("netpol-lsp").lspconfig()    -- register it as a custom nvim-lspconfig server and set it up
--
-- Options (all optional, for both):
--   cmd           the server command            default { "netpol-lsp", "serve", "--stdio" }
--                 ($NETPOL_LSP_COMMAND, a JSON array, overrides the default)
--   filetypes     buffers to attach to          default { "yaml", "json" }
--   root_markers  what marks a workspace root   default { ".netpol-lsp.yaml", ".git" }
--   root_dir      a folder, or function(fname, bufnr) -> folder, instead of the markers
--   settings      the `netpol-lsp` section: cni, rules, exclude, databasePorts, e.g.
--                 { ["netpol-lsp"] = { cni = "calico", rules = { NP010 = "off" } } }
--   init_options  initializationOptions (the same keys, plus debounceMs)
--   on_attach, capabilities   as for any LSP client
--
-- The server leaves YAML and JSON that is not Kubernetes alone, so attaching it to every
-- YAML/JSON buffer is safe; it runs beside yaml-language-server.
--
-- Loading this file also handles the code lens's command `netpol-lsp.showReferences`
-- (vim.lsp.codelens.run()): the workloads the policy selects go to the quickfix list; and the
-- diff lens's `netpol-lsp.showDiff`: the connectivity diff against git HEAD in a scratch window.

local M = {}

M.name = "netpol_lsp"

M.defaults = {
  cmd = { "netpol-lsp", "serve", "--stdio" },
  filetypes = { "yaml", "json" },
  root_markers = { ".netpol-lsp.yaml", ".git" },
  settings = { ["netpol-lsp"] = {} },
  init_options = {},
}

local LISTS = { "cmd", "filetypes", "root_markers" } -- a list given replaces the default, never merges

local function options(opts)
  opts = opts or {}
  local cfg = vim.tbl_deep_extend("force", {}, M.defaults, opts)
  for _, key in ipairs(LISTS) do
    cfg[key] = opts[key] or M.defaults[key]
  end
  local env = os.getenv("NETPOL_LSP_COMMAND")
  if opts.cmd == nil and env ~= nil and env ~= "" then
    cfg.cmd = vim.fn.json_decode(env)
  end
  return cfg
end

--- The code lens's command: arguments (uri, position, locations), locations as LSP JSON.
--- Puts the locations in the quickfix list and opens it.
function M.show_references(command, ctx)
  local locations = (command.arguments or {})[3] or {}
  if vim.tbl_isempty(locations) then
    vim.notify("netpol-lsp: the policy selects no workloads", vim.log.levels.INFO)
    return
  end
  local client = ctx and ctx.client_id and vim.lsp.get_client_by_id(ctx.client_id)
  local encoding = client and client.offset_encoding or "utf-16"
  vim.fn.setqflist({}, " ", {
    title = command.title or "netpol-lsp",
    items = vim.lsp.util.locations_to_items(locations, encoding),
  })
  vim.cmd("copen")
end

vim.lsp.commands["netpol-lsp.showReferences"] = M.show_references

--- The diff lens's command ("vs HEAD: +2 connections, -1"): asks the server for the whole
--- connectivity diff against its base (workspace/executeCommand netpol-lsp.diff) and shows the
--- Markdown it returns in a scratch window.
function M.show_diff(command, ctx)
  local bufnr = (ctx and ctx.bufnr) or vim.api.nvim_get_current_buf()
  local wanted = ctx and ctx.client_id
  vim.lsp.buf_request(bufnr, "workspace/executeCommand", { command = "netpol-lsp.diff", arguments = {} },
    function(err, result, reply)
      if wanted and reply and reply.client_id ~= wanted then
        return -- another server attached to the buffer
      end
      if err or type(result) ~= "table" or type(result.markdown) ~= "string" then
        vim.notify("netpol-lsp: no connectivity diff" .. (err and (": " .. tostring(err.message)) or ""),
          vim.log.levels.WARN)
        return
      end
      vim.cmd("new")
      local buf = vim.api.nvim_get_current_buf()
      vim.bo[buf].buftype = "nofile"
      vim.bo[buf].bufhidden = "wipe"
      vim.bo[buf].filetype = "markdown"
      vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(result.markdown, "\n", { plain = true }))
    end)
end

vim.lsp.commands["netpol-lsp.showDiff"] = M.show_diff

--- The nearest folder above `fname` holding one of `markers`, or nil (works on 0.7: no vim.fs).
function M.find_root(fname, markers)
  local dir = vim.fn.fnamemodify(fname, ":p:h")
  while dir and dir ~= "" do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return nil
    end
    dir = parent
  end
  return nil
end

--- The workspace root for a buffer: root_dir if given, else the markers, else the file's folder.
function M.root_for(bufnr, cfg)
  local fname = vim.api.nvim_buf_get_name(bufnr)
  if fname == "" or vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  if type(cfg.root_dir) == "function" then
    return cfg.root_dir(fname, bufnr)
  elseif type(cfg.root_dir) == "string" then
    return cfg.root_dir
  end
  return M.find_root(fname, cfg.root_markers) or vim.fn.fnamemodify(fname, ":p:h")
end

--- The client configuration vim.lsp.start_client / vim.lsp.start take.
function M.client_config(root, cfg)
  return {
    name = M.name,
    cmd = cfg.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    settings = cfg.settings,
    init_options = cfg.init_options,
    on_attach = cfg.on_attach,
    capabilities = cfg.capabilities,
  }
end

local clients = {} -- root -> client id (Neovim 0.7-0.9, where start_client does not reuse clients)

--- Starts (or reuses) the server for the buffer's root and attaches the buffer. Returns the client id.
function M.attach(bufnr, cfg)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  cfg = cfg or options()
  local root = M.root_for(bufnr, cfg)
  if not root then
    return nil
  end
  local config = M.client_config(root, cfg)
  if vim.fn.has("nvim-0.10") == 1 then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients[root]
  local client = id and vim.lsp.get_client_by_id(id) -- also finds a client still initializing
  if client == nil or client.is_stopped() then
    id = vim.lsp.start_client(config)
    clients[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

--- Plain vim.lsp setup, whatever the Neovim version.
function M.setup(opts)
  local cfg = options(opts)
  if vim.lsp.config ~= nil and vim.lsp.enable ~= nil then -- 0.11+
    local config = {
      cmd = cfg.cmd,
      filetypes = cfg.filetypes,
      root_markers = cfg.root_markers,
      settings = cfg.settings,
      init_options = cfg.init_options,
      on_attach = cfg.on_attach,
      capabilities = cfg.capabilities,
    }
    if cfg.root_dir ~= nil then
      config.root_dir = function(bufnr, on_dir)
        local root = M.root_for(bufnr, cfg)
        if root then
          on_dir(root)
        end
      end
    end
    vim.lsp.config(M.name, config)
    vim.lsp.enable(M.name)
    return cfg
  end
  local group = vim.api.nvim_create_augroup("netpol_lsp", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = cfg.filetypes,
    callback = function(args)
      M.attach(args.buf, cfg)
    end,
  })
  -- buffers already open when setup() runs
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(cfg.filetypes, vim.bo[bufnr].filetype) then
      M.attach(bufnr, cfg)
    end
  end
  return cfg
end

--- nvim-lspconfig: registers netpol_lsp as a custom server, then sets it up with `opts`.
--- Returns false when nvim-lspconfig is not installed.
function M.lspconfig(opts)
  local ok, configs = pcall(require, "lspconfig.configs")
  if not ok then
    return false
  end
  local util = require("lspconfig.util")
  local cfg = options(opts)
  if configs[M.name] == nil then
    configs[M.name] = {
      default_config = {
        cmd = cfg.cmd,
        filetypes = cfg.filetypes,
        root_dir = util.root_pattern(unpack(cfg.root_markers)),
        settings = cfg.settings,
        init_options = cfg.init_options,
        single_file_support = true,
      },
      docs = {
        description = "netpol-lsp: Kubernetes NetworkPolicy analysis (selectors resolved across the workspace).",
      },
    }
  end
  local setup = vim.tbl_deep_extend("force", {}, opts or {})
  setup.cmd = cfg.cmd
  require("lspconfig")[M.name].setup(setup)
  return true
end

return M
