-- Headless Neovim end-to-end driver for tests/editors/test_neovim.py.
--
--   nvim --headless -u NONE -i NONE -n -c "luafile tests/editors/nvim_driver.lua"
--
-- Environment:
--   NETPOL_NVIM_CONFIG   editors/neovim/netpol-lsp.lua (the file users load: not a copy)
--   NETPOL_NVIM_FILES    JSON list of absolute paths to open
--   NETPOL_NVIM_EXPECT   how many diagnostics `check` reports for the folder
--   NETPOL_NVIM_HOVER    JSON {file, line, character}: where to ask for a hover
--   NETPOL_NVIM_OUT      where to write the result (JSON)
--   NETPOL_NVIM_TIMEOUT  milliseconds to wait for the diagnostics (default 60000)
--   NETPOL_LSP_COMMAND   the server command, a JSON array (read by netpol-lsp.lua itself)
--
-- It opens the files (filetype detection attaches the client through the config's FileType
-- autocommand), waits until Neovim holds as many diagnostics as `check` found and they stop
-- changing, asks for one hover, and writes what vim.diagnostic.get() returned.

local out_path = os.getenv("NETPOL_NVIM_OUT")
local result = { diagnostics = {}, hover = nil, clients = {}, version = tostring(vim.version().major) .. "." ..
  tostring(vim.version().minor) .. "." .. tostring(vim.version().patch) }

local function code_of(d)
  if d.code ~= nil then
    return d.code
  end
  local lsp = d.user_data and d.user_data.lsp
  return lsp and lsp.code or nil
end

local function run()
  vim.cmd("filetype on")
  local netpol = dofile(os.getenv("NETPOL_NVIM_CONFIG"))
  netpol.setup({ init_options = { debounceMs = 50 } })

  local files = vim.fn.json_decode(os.getenv("NETPOL_NVIM_FILES"))
  local buffers = {}
  for _, file in ipairs(files) do
    vim.cmd("edit " .. vim.fn.fnameescape(file))
    buffers[file] = vim.api.nvim_get_current_buf()
  end

  local expected = tonumber(os.getenv("NETPOL_NVIM_EXPECT"))
  local timeout = tonumber(os.getenv("NETPOL_NVIM_TIMEOUT") or "60000")
  local function count()
    return #vim.diagnostic.get()
  end
  vim.wait(timeout, function()
    return count() >= expected
  end, 20)
  -- then quiet: no change for half a second (a late republish would show here)
  local last, stable_since = count(), vim.loop.now()
  vim.wait(5000, function()
    local now = count()
    if now ~= last then
      last, stable_since = now, vim.loop.now()
    end
    return vim.loop.now() - stable_since >= 500
  end, 20)

  for _, d in ipairs(vim.diagnostic.get()) do
    local lsp = (d.user_data and d.user_data.lsp) or {}
    table.insert(result.diagnostics, {
      file = vim.api.nvim_buf_get_name(d.bufnr),
      code = code_of(d),
      lnum = d.lnum,
      col = d.col,
      severity = d.severity,
      source = d.source,
      message = d.message,
      href = lsp.codeDescription and lsp.codeDescription.href or vim.NIL,
      related = lsp.relatedInformation and #lsp.relatedInformation or 0,
    })
  end

  for _, client in pairs(vim.lsp.get_active_clients()) do
    table.insert(result.clients, { name = client.name, root = client.config.root_dir })
  end

  local hover = vim.fn.json_decode(os.getenv("NETPOL_NVIM_HOVER"))
  local bufnr = buffers[hover.file]
  local answers = vim.lsp.buf_request_sync(bufnr, "textDocument/hover", {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = hover.line, character = hover.character },
  }, 10000)
  for _, answer in pairs(answers or {}) do
    if answer.result and answer.result.contents then
      local contents = answer.result.contents
      result.hover = type(contents) == "table" and (contents.value or contents[1]) or contents
    elseif answer.err then
      result.hover_error = vim.inspect(answer.err)
    end
  end
end

local ok, err = pcall(run)
if not ok then
  result.error = tostring(err)
end
local handle = io.open(out_path, "w")
handle:write(vim.fn.json_encode(result))
handle:close()
vim.cmd("qa!")
