;;; emacs_e2e.el --- headless end-to-end test of editors/emacs/netpol-lsp.el with eglot  -*- lexical-binding: t; -*-

;; Run after editors/emacs/netpol-lsp.el:
;;
;;   emacs --batch -l editors/emacs/netpol-lsp.el -l tests/editors/emacs_e2e.el
;;
;; Environment:
;;   NETPOL_E2E_ROOT     the workspace folder (a copy of examples/three-tier-broken)
;;   NETPOL_E2E_FILES    files to open, relative to the root, separated by newlines or commas
;;   NETPOL_LSP_COMMAND  optional: the server command line as a JSON array
;;   NETPOL_E2E_TIMEOUT  optional: seconds to wait for diagnostics (default 90)
;;
;; It opens the files, starts eglot through `eglot-server-programs' (the entry netpol-lsp.el
;; added), sends a change to every buffer (an insertion and its removal, so the text ends as
;; on disk), starts flymake itself, waits until the server has published diagnostics after the
;; change and then been quiet, and prints one line:
;;
;;   NETPOL-E2E-RESULT: {"server_class": ..., "files": {"api-egress.yaml": [{"code": "NP012",
;;                       "line": 14, "column": 2, ...}]}, ...}
;;
;; with 1-based lines and 0-based character columns as Emacs counts them.  Batch Emacs never
;; idles, so nothing here may wait for an idle timer: it drives everything with
;; `accept-process-output' loops and explicit calls.

(require 'cl-lib)
(require 'subr-x)
(require 'json)
(require 'project)
(require 'flymake)
(require 'eglot)
(unless (require 'yaml-mode nil t)
  (error "yaml-mode is not installed (Debian: elpa-yaml-mode)"))

(defvar netpol-e2e--publishes (make-hash-table :test #'equal)
  "File truename -> list of float times of textDocument/publishDiagnostics.")

(defun netpol-e2e--log (fmt &rest args)
  (message "[emacs-e2e] %s" (apply #'format fmt args)))

(defun netpol-e2e--record (_server method &rest params)
  (when (eq method 'textDocument/publishDiagnostics)
    (let ((file (file-truename (eglot--uri-to-path (plist-get params :uri)))))
      (push (float-time) (gethash file netpol-e2e--publishes)))))

(advice-add 'eglot-handle-notification :before #'netpol-e2e--record)

(defun netpol-e2e--wait (seconds)
  "Let processes and (non-idle) timers run for SECONDS."
  (let ((end (+ (float-time) seconds)))
    (while (< (float-time) end)
      (accept-process-output nil 0.05))))

(defun netpol-e2e--severity (diag)
  (let ((name (symbol-name (flymake-diagnostic-type diag))))
    (cond ((string-match-p "error" name) "error")
          ((string-match-p "warning" name) "warning")
          (t "note"))))

(defun netpol-e2e--collect ()
  "The flymake diagnostics of the current buffer, as a vector of hash tables."
  (vconcat
   (mapcar
    (lambda (diag)
      (let* ((beg (flymake-diagnostic-beg diag))
             (text (flymake-diagnostic-text diag))
             (data (and (fboundp 'flymake-diagnostic-data) (flymake-diagnostic-data diag)))
             (lsp (alist-get 'eglot-lsp-diag data))
             (code (or (plist-get lsp :code)
                       (and (string-match "\\bNP[0-9]+\\b" text) (match-string 0 text))))
             (entry (make-hash-table :test #'equal)))
        (save-excursion
          (goto-char beg)
          (puthash "line" (line-number-at-pos beg t) entry)
          (puthash "column" (- beg (line-beginning-position)) entry))
        (puthash "code" (if code (format "%s" code) nil) entry)
        (puthash "severity" (netpol-e2e--severity diag) entry)
        (puthash "source" (or (plist-get lsp :source) nil) entry)
        (puthash "message" text entry)
        entry))
    (sort (flymake-diagnostics) (lambda (a b) (< (flymake-diagnostic-beg a) (flymake-diagnostic-beg b)))))))

(defun netpol-e2e--send-change ()
  "Insert a comment at the end of the buffer and take it out again, sending each change."
  (save-excursion
    (goto-char (point-max))
    (let ((start (point)))
      (insert "\n# netpol-lsp emacs e2e\n")
      (eglot--signal-textDocument/didChange)
      (netpol-e2e--wait 0.2)
      (delete-region start (point-max))
      (eglot--signal-textDocument/didChange))))

(defun netpol-e2e-run ()
  (let* ((root (file-name-as-directory
                (file-truename (or (getenv "NETPOL_E2E_ROOT") (error "NETPOL_E2E_ROOT is not set")))))
         (files (split-string (or (getenv "NETPOL_E2E_FILES") (error "NETPOL_E2E_FILES is not set"))
                              "[\n,]" t "[ \t]+"))
         (timeout (string-to-number (or (getenv "NETPOL_E2E_TIMEOUT") "90")))
         (command (getenv "NETPOL_LSP_COMMAND"))
         (deadline (+ (float-time) timeout))
         buffers server changed-at)
    (when (and command (not (string-empty-p command)))
      (setq netpol-lsp-command (append (json-read-from-string command) nil)))
    (netpol-e2e--log "server command: %S" netpol-lsp-command)
    ;; The workspace folder is the project (eglot's root), whatever VCS is around it.
    (add-hook 'project-find-functions
              (lambda (dir) (when (file-in-directory-p dir root) (cons 'transient root))))
    (setq eglot-sync-connect timeout
          eglot-connect-timeout timeout
          eglot-autoreconnect nil)
    (dolist (file files)
      (push (find-file-noselect (expand-file-name file root)) buffers))
    (setq buffers (nreverse buffers))
    ;; Start the server from the first buffer, exactly as M-x eglot would guess it.
    (with-current-buffer (car buffers)
      (unless (memq major-mode netpol-lsp-modes)
        (error "%s opened in %s, not one of netpol-lsp-modes" (buffer-file-name) major-mode))
      (apply #'eglot (eglot--guess-contact))
      (setq server (eglot-current-server))
      (unless server (error "eglot did not connect")))
    (netpol-e2e--log "connected: %s" (eieio-object-class-name server))
    ;; Every opened buffer is managed by the same server.
    (dolist (buffer buffers)
      (with-current-buffer buffer
        (unless (eglot-managed-p) (eglot--maybe-activate-editing-mode))
        (unless (eq (eglot-current-server) server)
          (error "%s is not managed by the netpol-lsp server" (buffer-file-name)))))
    ;; A change in every buffer, then flymake, started by hand.
    (setq changed-at (float-time))
    (dolist (buffer buffers)
      (with-current-buffer buffer
        (netpol-e2e--send-change)
        (flymake-start nil t)))
    ;; Wait until each file has had diagnostics published after the change, and the server
    ;; has been quiet for a while (it may republish when the whole workspace is indexed).
    (let ((quiet 2.0) done)
      (while (not done)
        (when (> (float-time) deadline)
          (error "timed out after %ss waiting for diagnostics; published: %S" timeout
                 (let (seen) (maphash (lambda (k v) (push (cons k (length v)) seen)) netpol-e2e--publishes) seen)))
        (netpol-e2e--wait 0.25)
        (let ((last 0.0) (all t))
          (dolist (buffer buffers)
            (let ((times (gethash (file-truename (buffer-file-name buffer)) netpol-e2e--publishes)))
              (if (and times (> (car times) changed-at))
                  (setq last (max last (car times)))
                (setq all nil))))
          (setq done (and all (> (- (float-time) last) quiet))))))
    ;; Flymake reports what eglot has; read it back.
    (let ((result (make-hash-table :test #'equal))
          (per-file (make-hash-table :test #'equal))
          (publishes (make-hash-table :test #'equal)))
      (dolist (buffer buffers)
        (with-current-buffer buffer
          (flymake-start nil t)
          (netpol-e2e--wait 0.2)
          (let ((rel (file-relative-name (file-truename (buffer-file-name)) root)))
            (puthash rel (netpol-e2e--collect) per-file)
            (puthash rel (length (gethash (file-truename (buffer-file-name)) netpol-e2e--publishes)) publishes))))
      (puthash "server_class" (symbol-name (eieio-object-class-name server)) result)
      (puthash "files" per-file result)
      (puthash "publishes" publishes result)
      (princ (concat "NETPOL-E2E-RESULT: " (json-encode result) "\n")))
    (ignore-errors (eglot-shutdown server))))

(condition-case err
    (progn
      (netpol-e2e-run)
      (kill-emacs 0))
  (error
   (princ (format "NETPOL-E2E-ERROR: %s\n" (error-message-string err)))
   (kill-emacs 1)))

;;; emacs_e2e.el ends here
