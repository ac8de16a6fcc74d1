import type { ExplorerConfig } from './config';

// The two HTML pages: the landing page at / (Apollo Sandbox, falling back to the local explorer)
// and the local explorer (GraphiQL). Neither references a font, favicon or style on another host.

/** Apollo Sandbox's embed script (the version Apollo Server 5's own landing page loads). */
export const SANDBOX_SCRIPT_URL =
  'https://embeddable-sandbox.cdn.apollographql.com/v2/embeddable-sandbox.umd.production.min.js';
/** Where the Sandbox iframe runs; its first postMessage proves it loaded. */
export const SANDBOX_EMBED_ORIGIN = 'https://sandbox.embed.apollographql.com';

export interface FallbackTimeouts {
  /** How long the Sandbox script may take to load before the local explorer takes over. */
  scriptMs: number;
  /** How long the Sandbox iframe may take to answer after its script loaded. */
  embedMs: number;
}

export const DEFAULT_FALLBACK_TIMEOUTS: FallbackTimeouts = { scriptMs: 5000, embedMs: 15000 };

/** JSON safe inside <script>: no "</script>", no HTML comment, no line separators. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const BASE_STYLE = `
  html, body { height: 100%; margin: 0; }
  body { font-family: system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; }
  code { font-family: ui-monospace, Menlo, Consolas, monospace; background: #eef1f5; padding: 0 3px; border-radius: 3px; }`;

// An empty data: icon, so the browser asks no host (not even the gateway) for /favicon.ico.
const HEAD = `<meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <link rel="icon" href="data:," />`;

/**
 * The landing page at /. With `fallback`, it loads Sandbox's script with a deadline and goes to
 * the local explorer when the script fails, stalls, or its iframe never answers (private
 * networks, unreliable routes abroad). Without it (EXPLORER=sandbox), it only links there.
 */
export function sandboxLandingHtml(options: {
  document: string;
  explorerPath: string;
  fallback: boolean;
  timeouts?: FallbackTimeouts;
}): string {
  const timeouts = options.timeouts ?? DEFAULT_FALLBACK_TIMEOUTS;
  const config = {
    script: SANDBOX_SCRIPT_URL,
    embedOrigin: SANDBOX_EMBED_ORIGIN,
    fallback: options.fallback,
    explorer: `${options.explorerPath}?from=sandbox`,
    timeouts,
    sandbox: {
      target: '#embeddableSandbox',
      initialState: { document: options.document, pollForSchemaUpdates: false },
      hideCookieToggle: false,
      endpointIsEditable: false,
      allowDynamicStyles: false,
    },
  };
  const waiting = options.fallback
    ? `正在加载 Apollo Sandbox……若 ${Math.round(timeouts.scriptMs / 1000)} 秒内无法加载，将自动切换到本地调试器`
    : '正在加载 Apollo Sandbox……';
  return `<!DOCTYPE html>
<html lang="zh-CN">
  <head>
    ${HEAD}
    <title>Mente GraphQL</title>
    <style>${BASE_STYLE}
  #loading { padding: 1em 1.5em; color: #333; }
  #embeddableSandbox { position: absolute; top: 0; width: 100vw; height: 100vh; }
  #embeddableSandbox:empty { display: none; }
  iframe { width: 100%; height: 100%; border: none; background: white; }
    </style>
  </head>
  <body>
    <div id="loading">
      <p>${escapeHtml(waiting)}</p>
      <p>离线或内网环境请直接使用 <a href="${escapeHtml(options.explorerPath)}">本地 GraphiQL 调试器</a>。</p>
    </div>
    <div id="embeddableSandbox"></div>
    <script id="landing-config" type="application/json">${jsonForScript(config)}</script>
    <script>
      (function () {
        var config = JSON.parse(document.getElementById('landing-config').textContent);
        var gone = false;
        function useLocalExplorer(reason) {
          if (gone || !config.fallback) return;
          gone = true;
          location.replace(config.explorer + '&reason=' + reason);
        }
        var scriptTimer = setTimeout(function () { useLocalExplorer('timeout'); }, config.timeouts.scriptMs);
        var script = document.createElement('script');
        script.src = config.script;
        script.async = true;
        script.onerror = function () { clearTimeout(scriptTimer); useLocalExplorer('error'); };
        script.onload = function () {
          clearTimeout(scriptTimer);
          if (gone) return;
          if (!window.EmbeddedSandbox) return useLocalExplorer('error');
          // The script alone is not enough: Sandbox runs in an iframe from another host, which must answer.
          var answered = false;
          window.addEventListener('message', function (event) {
            if (event.origin === config.embedOrigin) answered = true;
          });
          setTimeout(function () { if (!answered) useLocalExplorer('embed-timeout'); }, config.timeouts.embedMs);
          var sandbox = config.sandbox;
          sandbox.initialEndpoint = window.location.href;
          new window.EmbeddedSandbox(sandbox);
        };
        document.head.appendChild(script);
      })();
    </script>
  </body>
</html>
`;
}

const REASONS: Record<string, string> = {
  error: 'Apollo Sandbox 无法加载（无法访问 Apollo 的服务器）',
  timeout: 'Apollo Sandbox 加载超时',
  'embed-timeout': 'Apollo Sandbox 的页面没有响应',
};

/**
 * The local explorer: GraphiQL from the gateway itself (assets under `assetBase`), the example
 * operations as tabs, the headers editor open, and how to sign in, in Chinese.
 */
export function explorerHtml(options: {
  config: ExplorerConfig;
  assetBase: string;
  bundleKey: string;
  /** Set when the landing page fell back here: why. */
  fallbackReason?: string;
}): string {
  const { assetBase, bundleKey } = options;
  const reason = options.fallbackReason && (REASONS[options.fallbackReason] ?? REASONS.error);
  return `<!DOCTYPE html>
<html lang="zh-CN">
  <head>
    ${HEAD}
    <title>Mente GraphQL 调试器（本地 GraphiQL）</title>
    <link rel="stylesheet" href="${escapeHtml(`${assetBase}app.css?v=${bundleKey}`)}" />
    <style>${BASE_STYLE}
  body { display: flex; flex-direction: column; }
  #hint { padding: 6px 12px; font-size: 13px; line-height: 1.6; background: #f4f7fb; border-bottom: 1px solid #dde3ea; color: #333; }
  #hint .fallback { color: #8a5a00; }
  #graphiql { flex: 1; min-height: 0; }
    </style>
  </head>
  <body>
    <div id="hint">
      ${reason ? `<div class="fallback" id="fallback-reason">${escapeHtml(reason)}，已切换到本地调试器。</div>` : ''}
      <div>公开政策无需登录，选中上方示例标签页后点击运行按钮即可。查询个人数据需要令牌：在终端运行
        <code>npm run token -- --role APPLICANT --person P000003</code>，
        再在下方 <b>Headers</b> 中填入 <code>{"Authorization": "Bearer &lt;令牌&gt;"}</code>。</div>
    </div>
    <div id="graphiql">正在加载 GraphiQL……</div>
    <script id="explorer-config" type="application/json">${jsonForScript(options.config)}</script>
    <script src="${escapeHtml(`${assetBase}app.js?v=${bundleKey}`)}"></script>
  </body>
</html>
`;
}
