;;; netpol-lsp.el --- Kubernetes NetworkPolicy analysis with netpol-lsp, for eglot and lsp-mode  -*- lexical-binding: t; -*-

;; Copyright (C) 2025 The netpol-lsp authors
;; SPDX-License-Identifier: Apache-2.0

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1"))
;; Keywords: languages, tools, kubernetes
;; URL: https://github.com/netpol-lsp/netpol-lsp

;;; Commentary:

;; Connects Emacs to the netpol-lsp language server (`netpol-lsp serve'), which reads the
;; Kubernetes manifests of a project, resolves every NetworkPolicy's selectors against the
;; workloads and namespaces it finds, and reports what is wrong as diagnostics with an
;; NPxxx code (NP001 unmatched pod selector, NP012 egress that blocks DNS, ...), plus hover.
;;
;; Install the server (not on PyPI yet; from a checkout of its repository):
;;   pipx install /path/to/netpol-lsp
;;
;; eglot (built into Emacs 29+):
;;
;;   (require 'netpol-lsp)         ; or (load "/path/to/editors/emacs/netpol-lsp.el")
;;   (add-hook 'yaml-mode-hook #'eglot-ensure)
;;
;;   eglot runs one server per buffer: loading this file makes netpol-lsp the server for
;;   YAML and JSON buffers (before any other entry of `eglot-server-programs').
;;
;; lsp-mode:
;;
;;   (require 'netpol-lsp)
;;   (add-hook 'yaml-mode-hook #'lsp-deferred)
;;
;;   netpol-lsp registers as an add-on client: it runs beside yaml-language-server.
;;
;; Settings (`M-x customize-group RET netpol-lsp'): `netpol-lsp-cni', `netpol-lsp-rules',
;; `netpol-lsp-exclude', `netpol-lsp-database-ports'.  They are sent as the server's
;; "netpol-lsp" section (initializationOptions and workspace/configuration) and are merged
;; over the project's .netpol-lsp.yaml; leave them empty to use that file alone.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'eieio)                         ; defclass, for the eglot server class

(defgroup netpol-lsp nil
  "Kubernetes NetworkPolicy analysis with the netpol-lsp language server."
  :group 'tools
  :prefix "netpol-lsp-")

(defcustom netpol-lsp-command '("netpol-lsp" "serve")
  "Command line that starts the language server on stdio.
For a virtualenv: (\"/path/to/venv/bin/netpol-lsp\" \"serve\")."
  :type '(repeat string))

(defcustom netpol-lsp-modes
  '(yaml-mode yaml-ts-mode json-mode json-ts-mode js-json-mode)
  "Major modes whose buffers netpol-lsp analyses.
The server itself ignores files that are not Kubernetes manifests."
  :type '(repeat symbol))

(defcustom netpol-lsp-cni nil
  "The cluster's CNI (\"calico\", \"cilium\", \"flannel\", ...).
nil: the .netpol-lsp.yaml value, or what the server detects from the manifests."
  :type '(choice (const :tag "From .netpol-lsp.yaml or detected" nil) string))

(defcustom netpol-lsp-rules nil
  "Rule severities: an alist of (RULE . LEVEL).
RULE is an id or a name (\"NP010\", \"open-database-port\"), LEVEL one of
\"off\", \"error\", \"warning\", \"info\"."
  :type '(alist :key-type string
                :value-type (choice (const "off") (const "error") (const "warning") (const "info"))))

(defcustom netpol-lsp-exclude nil
  "Glob patterns of files the server ignores."
  :type '(repeat string))

(defcustom netpol-lsp-database-ports nil
  "Ports that count as database ports for NP020 and NP021 (added to the defaults)."
  :type '(repeat integer))

(defconst netpol-lsp-section "netpol-lsp"
  "The server's configuration section.")

(defun netpol-lsp--rules-table ()
  "`netpol-lsp-rules' as a JSON object (a hash table), or nil when empty."
  (when netpol-lsp-rules
    (let ((table (make-hash-table :test #'equal)))
      (dolist (entry netpol-lsp-rules table)
        (puthash (format "%s" (car entry)) (format "%s" (cdr entry)) table)))))

(defun netpol-lsp-settings ()
  "The server's \"netpol-lsp\" section, as a hash table.
Only the keys that are set are present."
  (let ((table (make-hash-table :test #'equal)))
    (when (and netpol-lsp-cni (not (string-empty-p netpol-lsp-cni)))
      (puthash "cni" (downcase netpol-lsp-cni) table))
    (let ((rules (netpol-lsp--rules-table)))
      (when rules (puthash "rules" rules table)))
    (when netpol-lsp-exclude
      (puthash "exclude" (vconcat netpol-lsp-exclude) table))
    (when netpol-lsp-database-ports
      (puthash "databasePorts" (vconcat netpol-lsp-database-ports) table))
    table))

;;;; eglot

(defvar eglot-server-programs)
(declare-function netpol-lsp-eglot-server--eieio-childp "netpol-lsp")

(defun netpol-lsp--eglot-contact (&optional _interactive)
  "The eglot contact for netpol-lsp: our server class and `netpol-lsp-command'."
  (cons 'netpol-lsp-eglot-server netpol-lsp-command))

(defun netpol-lsp-eglot-setup ()
  "Put netpol-lsp first in `eglot-server-programs' for `netpol-lsp-modes'."
  (setq eglot-server-programs
        (cons (cons netpol-lsp-modes #'netpol-lsp--eglot-contact)
              (cl-remove #'netpol-lsp--eglot-contact eglot-server-programs :key #'cdr))))

(with-eval-after-load 'eglot
  (defclass netpol-lsp-eglot-server (eglot-lsp-server) ()
    :documentation "The netpol-lsp language server.")

  (cl-defmethod eglot-initialization-options ((_server netpol-lsp-eglot-server))
    "Send the \"netpol-lsp\" section at start-up."
    (netpol-lsp-settings))

  (cl-defmethod eglot-handle-request
    ((_server netpol-lsp-eglot-server) (_method (eql workspace/configuration)) &key items)
    "Answer the \"netpol-lsp\" section from `eglot-workspace-configuration' when it has
one, else from the netpol-lsp customization variables."
    (let ((answers (cl-call-next-method)))
      (vconcat
       (cl-mapcar (lambda (item answer)
                    (if (and (equal (plist-get item :section) netpol-lsp-section)
                             (null answer))
                        (netpol-lsp-settings)
                      answer))
                  items answers))))

  (netpol-lsp-eglot-setup))

;;;; lsp-mode

(declare-function lsp-register-client "ext:lsp-mode")
(declare-function lsp-register-custom-settings "ext:lsp-mode")
(declare-function lsp-stdio-connection "ext:lsp-mode")
(declare-function make-lsp-client "ext:lsp-mode")
(defvar lsp-language-id-configuration)

(defun netpol-lsp--lsp-activate-p (_file-name &optional mode)
  "Start netpol-lsp for buffers in one of `netpol-lsp-modes'."
  (memq (or mode major-mode) netpol-lsp-modes))

(defun netpol-lsp--lsp-cni () (and netpol-lsp-cni (downcase netpol-lsp-cni)))
(defun netpol-lsp--lsp-exclude () (and netpol-lsp-exclude (vconcat netpol-lsp-exclude)))
(defun netpol-lsp--lsp-database-ports ()
  (and netpol-lsp-database-ports (vconcat netpol-lsp-database-ports)))

(with-eval-after-load 'lsp-mode
  (lsp-register-custom-settings
   '(("netpol-lsp.cni" netpol-lsp--lsp-cni)
     ("netpol-lsp.rules" netpol-lsp--rules-table)
     ("netpol-lsp.exclude" netpol-lsp--lsp-exclude)
     ("netpol-lsp.databasePorts" netpol-lsp--lsp-database-ports)))
  (dolist (mode '((yaml-ts-mode . "yaml") (json-ts-mode . "json") (js-json-mode . "json")))
    (unless (assq (car mode) lsp-language-id-configuration)
      (add-to-list 'lsp-language-id-configuration mode)))
  (lsp-register-client
   (make-lsp-client
    :new-connection (lsp-stdio-connection (lambda () netpol-lsp-command))
    :activation-fn #'netpol-lsp--lsp-activate-p
    :add-on? t
    :priority -1
    :server-id 'netpol-lsp
    ;; The server asks for the "netpol-lsp" section (workspace/configuration) itself,
    ;; answered from the custom settings registered above.
    :initialization-options (lambda () (netpol-lsp-settings)))))

(provide 'netpol-lsp)
;;; netpol-lsp.el ends here
