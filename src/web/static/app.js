// Review page for devops-agent. Everything shown comes from logs an attacker controls, so this file only ever
// builds the page with createElement/textContent: never innerHTML, never a URL built from data.

(() => {
  const TOKEN_KEY = 'devops-agent-token';
  const REVIEWER_KEY = 'devops-agent-reviewer';
  const POLL_MS = 4000;
  const PAGE_SIZE = 25;
  const FILTERS = [
    ['pending', 'Waiting for review'],
    ['all', 'All'],
    ['blocked', 'Blocked'],
    ['failed', 'Failed'],
    ['rejected', 'Rejected'],
    ['open', 'Recorded'],
    ['allowed', 'Allowlisted'],
    ['resolved', 'Resolved'],
  ];

  const state = {
    filter: 'pending',
    offset: 0,
    selectedId: null,
    listKey: '',
    detailKey: '',
    recommendationFor: '',
    extrasKey: '',
    busy: false,
    timer: null,
  };

  const $ = (id) => document.getElementById(id);

  /** Creates an element with text content and attributes; children may be nodes or strings. */
  function el(tag, options = {}, children = []) {
    const node = document.createElement(tag);
    if (options.className) node.className = options.className;
    if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
    for (const [name, value] of Object.entries(options.attrs || {})) node.setAttribute(name, String(value));
    for (const child of children) node.append(child);
    return node;
  }

  function formatTime(value) {
    if (value === null || value === undefined || value === '') return '—';
    const date = typeof value === 'number' ? new Date(value) : new Date(String(value));
    if (Number.isNaN(date.getTime())) return String(value);
    const pad = (number) => String(number).padStart(2, '0');
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  }

  function relative(value) {
    const time = new Date(value).getTime();
    if (Number.isNaN(time)) return '';
    const seconds = Math.round((Date.now() - time) / 1000);
    if (seconds < 60) return `${Math.max(seconds, 0)}s ago`;
    if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
    if (seconds < 86400) return `${Math.round(seconds / 3600)}h ago`;
    return `${Math.round(seconds / 86400)}d ago`;
  }

  // ---- API ----------------------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (method !== 'GET') {
      headers['Content-Type'] = 'application/json';
      headers['X-Requested-With'] = 'devops-agent';
    }
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: method === 'GET' ? undefined : JSON.stringify(body || {}),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'the agent is not reachable');
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (response.status === 401) {
      askForToken();
      throw new ApiError(401, 'a token is required', data);
    }
    if (!response.ok) {
      const message = data && typeof data.error === 'string' ? data.error : `HTTP ${response.status}`;
      throw new ApiError(response.status, message, data);
    }
    return data;
  }

  // ---- token --------------------------------------------------------------------------------------------------

  function askForToken() {
    const dialog = $('token-dialog');
    if (!dialog.open) {
      $('token-input').value = '';
      dialog.showModal();
    }
  }

  function setupToken() {
    $('token-button').addEventListener('click', askForToken);
    $('token-cancel').addEventListener('click', () => $('token-dialog').close());
    $('token-form').addEventListener('submit', (event) => {
      const value = $('token-input').value.trim();
      if (!value) {
        event.preventDefault();
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, value);
      $('token-input').value = '';
      state.listKey = '';
      state.detailKey = '';
      refresh();
    });
  }

  // ---- notices --------------------------------------------------------------------------------------------------

  let noticeTimer = null;
  function notify(message, kind = 'info') {
    const notice = $('notice');
    notice.textContent = message;
    notice.className = `notice ${kind}`;
    notice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => {
      notice.hidden = true;
    }, 8000);
  }

  function setConnection(ok, text) {
    const connection = $('connection');
    connection.textContent = text;
    connection.classList.toggle('down', !ok);
  }

  // ---- queue ----------------------------------------------------------------------------------------------------

  function renderFilters(counts) {
    const box = $('filters');
    const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
    const focusedFilter = document.activeElement?.dataset?.filter;
    box.replaceChildren(
      ...FILTERS.map(([value, label]) => {
        const count = value === 'all' ? total : counts[value] || 0;
        const button = el('button', {
          className: `filter${value === state.filter ? ' active' : ''}`,
          attrs: { type: 'button', 'aria-pressed': value === state.filter, 'data-filter': value },
        });
        button.append(el('span', { text: label }), el('span', { className: 'count', text: count }));
        button.addEventListener('click', () => {
          state.filter = value;
          state.offset = 0;
          state.listKey = '';
          refresh();
        });
        return button;
      }),
    );
    if (focusedFilter) box.querySelector(`[data-filter="${CSS.escape(focusedFilter)}"]`)?.focus();
  }

  function renderList(data) {
    const list = $('incident-list');
    const focusedId = document.activeElement?.dataset?.incidentId;
    list.replaceChildren(
      ...data.incidents.map((incident) => {
        const button = el('button', {
          className: `incident-row${String(incident.id) === String(state.selectedId) ? ' selected' : ''}`,
          attrs: {
            type: 'button',
            'data-incident-id': incident.id,
            'aria-current': String(incident.id) === String(state.selectedId) ? 'true' : 'false',
          },
        });
        const top = el('span', { className: 'row-top' }, [
          el('span', { className: 'ip', text: incident.ip }),
          el('span', { className: `badge status-${incident.status}`, text: incident.status }),
        ]);
        const middle = el('span', { className: 'row-middle' }, [
          el('span', { className: `badge severity-${incident.severity}`, text: incident.severity }),
          el('span', { text: incident.threatType.replace(/_/g, ' ') }),
          el('span', { className: 'muted', text: `#${incident.id}` }),
        ]);
        const bottom = el('span', { className: 'row-bottom muted' }, [
          el('span', { text: `${incident.sensitiveHits} sensitive / ${incident.requests} requests` }),
          el('span', {
            text: relative(incident.updatedAt),
            attrs: { title: `updated ${formatTime(incident.updatedAt)}` },
          }),
        ]);
        button.append(top, middle, bottom);
        if (incident.topPath) button.append(el('span', { className: 'row-path', text: incident.topPath }));
        button.addEventListener('click', () => selectIncident(incident.id, true));
        return el('li', {}, [button]);
      }),
    );
    list.setAttribute('aria-busy', 'false');
    $('queue-empty').hidden = data.incidents.length > 0;
    $('queue-total').textContent = `${data.total} ${data.status ? data.status : 'total'}`;
    const last = Math.min(data.offset + data.incidents.length, data.total);
    $('page-info').textContent = data.total > 0 ? `${data.offset + 1}–${last} of ${data.total}` : '';
    $('page-previous').disabled = data.offset === 0;
    $('page-next').disabled = last >= data.total;
    if (focusedId) list.querySelector(`[data-incident-id="${CSS.escape(focusedId)}"]`)?.focus();
  }

  async function loadQueue() {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(state.offset) });
    if (state.filter !== 'all') params.set('status', state.filter);
    const data = await api('GET', `/api/incidents?${params}`);
    $('mode').textContent = `mode: ${data.mode}`;
    $('mode').className = `badge mode-${data.mode}`;
    const key = JSON.stringify([data.incidents, data.counts, data.offset, state.filter, state.selectedId]);
    if (key !== state.listKey) {
      state.listKey = key;
      renderFilters(data.counts);
      renderList(data);
    }
  }

  // ---- detail ---------------------------------------------------------------------------------------------------

  function fact(list, term, value, className) {
    list.append(el('dt', { text: term }), el('dd', { text: value, className }));
  }

  function fillTable(table, headers, rows) {
    const head = el('thead', {}, [
      el(
        'tr',
        {},
        headers.map((header) => el('th', { text: header, attrs: { scope: 'col' } })),
      ),
    ]);
    const body = el(
      'tbody',
      {},
      rows.length
        ? rows.map((cells) =>
            el(
              'tr',
              {},
              cells.map((cell, index) => el('td', { text: cell, className: index === 0 ? 'text' : 'number' })),
            ),
          )
        : [el('tr', {}, [el('td', { text: 'none', className: 'muted', attrs: { colspan: headers.length } })])],
    );
    table.replaceChildren(head, body);
  }

  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  /** Requests per minute as bars; gaps between observed minutes are drawn as zero. */
  function renderChart(perMinute) {
    const box = $('chart');
    const entries = Object.entries(perMinute || {})
      .map(([minute, count]) => [Number(minute), Number(count)])
      .filter(([minute, count]) => Number.isFinite(minute) && Number.isFinite(count))
      .sort((a, b) => a[0] - b[0]);
    if (entries.length === 0) {
      box.replaceChildren(el('p', { className: 'muted', text: 'No per-minute data.' }));
      return;
    }
    const last = entries[entries.length - 1][0];
    // at least ten minutes, so a short burst reads as a burst; at most two hours of bars
    const first = Math.min(Math.max(entries[0][0], last - 119), last - 9);
    const counts = new Map(entries);
    const minutes = [];
    for (let minute = first; minute <= last; minute++) minutes.push([minute, counts.get(minute) || 0]);
    const peak = Math.max(1, ...minutes.map(([, count]) => count));
    const width = 320;
    const height = 110;
    const top = 14;
    const bottom = 18;
    const plot = height - top - bottom;
    const barWidth = width / minutes.length;
    const chart = svg('svg', {
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': `Requests per minute from ${formatTime(first * 60000)} to ${formatTime(last * 60000)}, peak ${peak}`,
      class: 'bars',
      preserveAspectRatio: 'none',
    });
    chart.append(svg('title', {}, `Requests per minute (peak ${peak})`));
    chart.append(svg('line', { x1: 0, y1: top + plot, x2: width, y2: top + plot, class: 'axis' }));
    minutes.forEach(([minute, count], index) => {
      const barHeight = (count / peak) * plot;
      const bar = svg('rect', {
        x: index * barWidth + barWidth * 0.1,
        y: top + plot - barHeight,
        width: Math.max(barWidth * 0.8, 1),
        height: barHeight,
        class: 'bar',
      });
      bar.append(svg('title', {}, `${formatTime(minute * 60000)}: ${count}`));
      chart.append(bar);
    });
    chart.append(svg('text', { x: 2, y: 10, class: 'label' }, `peak ${peak}/min`));
    chart.append(svg('text', { x: 2, y: height - 4, class: 'label' }, formatTime(first * 60000).slice(11, 16)));
    chart.append(
      svg(
        'text',
        { x: width - 2, y: height - 4, class: 'label', 'text-anchor': 'end' },
        formatTime(last * 60000).slice(11, 16),
      ),
    );
    box.replaceChildren(chart);
  }

  const OPINION_FIELDS = ['status', 'verdict', 'confidence', 'recommended_action', 'reasons', 'error', 'model', 'at'];

  /** The LLM's advice: the verdict schema's fields first, in words; anything else as plain JSON text. */
  function renderOpinion(opinion) {
    const card = $('opinion-card');
    const list = $('opinion');
    list.replaceChildren();
    card.hidden = opinion === null || opinion === undefined;
    if (card.hidden) return;
    if (typeof opinion !== 'object' || Array.isArray(opinion)) {
      fact(list, 'Opinion', typeof opinion === 'string' ? opinion : JSON.stringify(opinion, null, 2), 'pre');
      return;
    }
    if (opinion.status && opinion.status !== 'ok') {
      fact(list, 'Status', `no opinion (${opinion.status})`, 'error-text');
    }
    if (opinion.verdict !== undefined) fact(list, 'Verdict', String(opinion.verdict).replace(/_/g, ' '), 'strong');
    if (typeof opinion.confidence === 'number') fact(list, 'Confidence', `${Math.round(opinion.confidence * 100)}%`);
    if (opinion.recommended_action !== undefined) fact(list, 'Recommends', String(opinion.recommended_action));
    if (Array.isArray(opinion.reasons) && opinion.reasons.length) {
      const reasons = el(
        'ul',
        { className: 'plain-list' },
        opinion.reasons.map((reason) => el('li', { text: String(reason) })),
      );
      list.append(el('dt', { text: 'Reasons' }), el('dd', {}, [reasons]));
    }
    if (opinion.error) fact(list, 'Error', String(opinion.error));
    if (opinion.model) fact(list, 'Model', String(opinion.model), 'muted');
    if (opinion.at) fact(list, 'Asked', formatTime(opinion.at), 'muted');
    for (const [key, value] of Object.entries(opinion)) {
      if (OPINION_FIELDS.includes(key)) continue;
      const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
      fact(list, key.replace(/_/g, ' '), text, typeof value === 'object' && value !== null ? 'pre' : undefined);
    }
  }

  function renderActions(actions) {
    const list = $('actions');
    if (!actions.length) {
      list.replaceChildren(el('li', { className: 'muted', text: 'No actions yet.' }));
      return;
    }
    list.replaceChildren(
      ...actions
        .slice()
        .reverse()
        .map((action) => {
          const item = el('li', { className: 'action' });
          item.append(
            el('div', { className: 'action-head' }, [
              el('span', { className: `badge action-${action.status}`, text: action.status }),
              el('span', { text: `${action.actionType} ${action.target} via ${action.blocker}` }),
              el('span', { className: 'muted', text: formatTime(action.appliedAt || action.createdAt) }),
            ]),
          );
          if (action.approvedBy) item.append(el('div', { className: 'muted', text: `by ${action.approvedBy}` }));
          const result = action.result;
          if (result && typeof result === 'object') {
            const text = result.detail || result.error || result.reason;
            if (text) item.append(el('div', { className: result.error ? 'error-text' : '', text }));
          }
          return item;
        }),
    );
  }

  function renderDiff(target, diff) {
    if (!diff) {
      target.replaceChildren(el('span', { className: 'muted', text: 'No change: the target is already in place.' }));
      return;
    }
    target.replaceChildren(
      ...diff.split('\n').map((line) => {
        const kind =
          line.startsWith('+++') || line.startsWith('---')
            ? 'file'
            : line.startsWith('+')
              ? 'add'
              : line.startsWith('-')
                ? 'remove'
                : line.startsWith('@@')
                  ? 'hunk'
                  : 'same';
        return el('span', { className: `diff-line ${kind}`, text: `${line}\n` });
      }),
    );
  }

  function renderDetail(detail) {
    $('detail-placeholder').hidden = true;
    $('detail-body').hidden = false;
    $('detail-title').textContent = detail.ip;
    $('detail-badges').replaceChildren(
      el('span', { className: `badge status-${detail.status}`, text: detail.status }),
      el('span', { className: `badge severity-${detail.severity}`, text: detail.severity }),
      el('span', { className: 'badge', text: detail.threatType.replace(/_/g, ' ') }),
      el('span', { className: 'muted', text: `incident #${detail.id}` }),
    );
    $('detail-reason').textContent = detail.statusReason ? `Status: ${detail.statusReason}` : '';

    const evidence = detail.evidence;
    const who = $('who');
    who.replaceChildren();
    fact(who, 'IP', detail.ip, 'mono');
    fact(
      who,
      'Allowlist',
      detail.allowlist
        ? `allowlisted by ${detail.allowlist.ipOrCidr}${detail.allowlist.description ? ` (${detail.allowlist.description})` : ''}`
        : 'not allowlisted',
    );
    fact(
      who,
      'Blocked now',
      detail.activeBlocks.length
        ? detail.activeBlocks
            .map((block) => `${block.blocker} until ${block.expiresAt ? formatTime(block.expiresAt) : 'removed'}`)
            .join('; ')
        : 'no',
    );
    fact(who, 'First seen', formatTime(evidence.firstSeen));
    fact(who, 'Last seen', formatTime(evidence.lastSeen));
    fact(who, 'Detected', formatTime(detail.detectedAt));
    fact(who, 'Source', evidence.source);

    const what = $('what');
    what.replaceChildren();
    fact(what, 'Requests', evidence.requests);
    fact(what, 'Sensitive hits', `${evidence.sensitiveHits} (${evidence.distinctSensitivePaths} distinct paths)`);
    fact(what, 'Peak per minute', evidence.peakPerMinute);
    if (evidence.scannerAgents.length) fact(what, 'Scanner', evidence.scannerAgents.join(', '));
    renderChart(evidence.perMinute);

    fillTable(
      $('statuses'),
      ['Status', 'Count'],
      Object.entries(evidence.statuses)
        .sort((a, b) => b[1] - a[1])
        .map(([status, count]) => [status, count]),
    );
    fillTable(
      $('paths'),
      ['Path', 'Hits'],
      evidence.topPaths.slice(0, 10).map((entry) => [entry.path, entry.count]),
    );
    fillTable(
      $('agents'),
      ['User agent', 'Requests'],
      evidence.userAgents.slice(0, 10).map((entry) => [entry.userAgent, entry.count]),
    );
    $('reasons').replaceChildren(...evidence.reasons.map((reason) => el('li', { text: reason })));
    const explanations = Array.isArray(evidence.explanations) ? [...evidence.explanations] : [];
    const members = evidence.extra?.campaign?.members;
    if (Array.isArray(members)) explanations.push(`campaign members: ${members.slice(0, 50).join(' ')}`);
    $('explanations-card').hidden = explanations.length === 0;
    $('explanations').replaceChildren(...explanations.map((note) => el('li', { text: String(note) })));
    $('samples').textContent = evidence.samples.length ? evidence.samples.join('\n') : '(no samples)';
    renderOpinion(detail.llmOpinion);
    renderActions(detail.actions);

    const open = detail.canApprove || detail.canReject;
    $('decision-controls').hidden = !open;
    $('approve').hidden = !detail.canApprove;
    $('reject-form').hidden = !detail.canReject;
    const closed = $('decision-closed');
    closed.hidden = open;
    closed.textContent = open ? '' : `No decision to take: this incident is ${detail.status}.`;
  }

  function renderRecommendation(recommendation) {
    const action = recommendation.action;
    const expiry = action.expiresInSeconds ? ` for ${Math.round(action.expiresInSeconds / 3600)}h` : ' with no expiry';
    const plan = recommendation.currentPlan || recommendation.plannedAction?.plan || null;
    const summary = $('plan-summary');
    if (plan) {
      summary.textContent = `Block ${action.target} via ${action.blocker}${expiry}, in ${plan.object}.`;
      renderDiff($('plan-diff'), plan.diff);
      $('plan-diff').hidden = false;
    } else {
      summary.textContent = recommendation.canApprove ? 'No plan stored.' : 'Nothing will change: no decision pending.';
      $('plan-diff').replaceChildren();
      $('plan-diff').hidden = true;
    }
    const policy = $('plan-policy');
    if (recommendation.policy.allowed) {
      policy.textContent = recommendation.canApprove ? 'Policy check: this target may be blocked.' : '';
      policy.className = 'policy ok';
    } else {
      policy.textContent = `Policy would refuse: ${recommendation.policy.reason}`;
      policy.className = 'policy refused';
    }
  }

  async function loadDetail(force) {
    if (state.selectedId === null) return;
    const id = state.selectedId;
    const detail = await api('GET', `/api/incidents/${encodeURIComponent(id)}`);
    if (id !== state.selectedId) return;
    const key = JSON.stringify(detail);
    if (force || key !== state.detailKey) {
      state.detailKey = key;
      renderDetail(detail);
    }
    const recommendationKey = `${detail.id}:${detail.status}:${detail.updatedAt}`;
    if (force || recommendationKey !== state.recommendationFor) {
      state.recommendationFor = recommendationKey;
      const recommendation = await api('GET', `/api/incidents/${encodeURIComponent(id)}/recommendation`);
      if (id === state.selectedId) renderRecommendation(recommendation);
    }
  }

  async function selectIncident(id, moveFocus) {
    state.selectedId = id;
    state.detailKey = '';
    state.recommendationFor = '';
    $('outcome').hidden = true;
    $('reject-reason').value = '';
    for (const row of document.querySelectorAll('.incident-row')) {
      const selected = row.dataset.incidentId === String(id);
      row.classList.toggle('selected', selected);
      row.setAttribute('aria-current', selected ? 'true' : 'false');
    }
    try {
      await loadDetail(true);
      if (moveFocus && window.matchMedia('(max-width: 899px)').matches) $('detail').focus();
    } catch (error) {
      notify(error.message, 'error');
    }
  }

  function showOutcome(kind, text) {
    const outcome = $('outcome');
    outcome.className = `outcome ${kind}`;
    outcome.textContent = text;
    outcome.hidden = false;
  }

  async function decide(verb) {
    if (state.busy || state.selectedId === null) return;
    const id = state.selectedId;
    const by = $('reviewer').value.trim();
    localStorage.setItem(REVIEWER_KEY, by);
    const body = by ? { by } : {};
    if (verb === 'reject') {
      const reason = $('reject-reason').value.trim();
      if (!reason) {
        showOutcome('error', 'Give a reason for rejecting.');
        $('reject-reason').focus();
        return;
      }
      body.reason = reason;
    }
    state.busy = true;
    $('approve').disabled = true;
    $('reject').disabled = true;
    showOutcome('info', verb === 'approve' ? 'Applying the block…' : 'Rejecting…');
    try {
      const result = await api('POST', `/api/incidents/${encodeURIComponent(id)}/${verb}`, body);
      const outcome = result.outcome;
      showOutcome('success', outcome.detail || `${verb}d`);
      $('reject-reason').value = '';
    } catch (error) {
      const prefix = error.status === 409 ? 'Not done' : error.status === 502 ? 'Action backend failed' : 'Error';
      showOutcome('error', `${prefix}: ${error.message}`);
    } finally {
      state.busy = false;
      $('approve').disabled = false;
      $('reject').disabled = false;
      state.listKey = '';
      await refresh(true);
    }
  }

  // ---- blocks, allowlist, commands ------------------------------------------------------------------------------

  async function loadExtras() {
    const [blocks, allowlist, commands, site] = await Promise.all([
      api('GET', '/api/blocks'),
      api('GET', '/api/allowlist'),
      api('GET', '/api/commands/pending'),
      api('GET', '/api/site/paths'),
    ]);
    const key = JSON.stringify([blocks, allowlist, commands, site]);
    if (key === state.extrasKey) return;
    state.extrasKey = key;
    const publicPaths = site.paths.filter((row) => row.public);
    $('site-count').textContent = publicPaths.length;
    $('site-paths').replaceChildren(
      ...(publicPaths.length
        ? publicPaths
            .slice(0, 100)
            .map((row) =>
              el('li', { className: 'entry' }, [
                el('span', { className: 'mono', text: `${row.host}${row.path}` }),
                el('span', { className: 'muted', text: `served to ${row.clients}+ clients` }),
              ]),
            )
        : [el('li', { className: 'muted', text: 'No public paths learned yet.' })]),
    );
    $('blocks-count').textContent = blocks.blocks.length;
    $('blocks').replaceChildren(
      ...(blocks.blocks.length
        ? blocks.blocks.map((block) => {
            const button = el('button', {
              className: 'secondary small',
              text: 'Unblock',
              attrs: { type: 'button', 'aria-label': `Unblock ${block.target}` },
            });
            button.addEventListener('click', () => unblock(block.target, button));
            return el('li', { className: 'entry' }, [
              el('span', { className: 'mono', text: block.target }),
              el('span', {
                className: 'muted',
                text: `${block.blocker}, ${block.expiresAt ? `until ${formatTime(block.expiresAt)}` : 'no expiry'}`,
              }),
              button,
            ]);
          })
        : [el('li', { className: 'muted', text: 'No active blocks.' })]),
    );
    $('allowlist-count').textContent = allowlist.entries.length;
    $('allowlist').replaceChildren(
      ...(allowlist.entries.length
        ? allowlist.entries.map((entry) => {
            const button = el('button', {
              className: 'secondary small',
              text: 'Remove',
              attrs: { type: 'button', 'aria-label': `Remove ${entry.ipOrCidr} from the allowlist` },
            });
            button.addEventListener('click', () => removeAllowlisted(entry.ipOrCidr, button));
            return el('li', { className: 'entry' }, [
              el('span', { className: 'mono', text: entry.ipOrCidr }),
              el('span', { className: 'muted', text: entry.description || '' }),
              button,
            ]);
          })
        : [el('li', { className: 'muted', text: 'The allowlist is empty.' })]),
    );
    $('commands-panel').hidden = !commands.available;
    $('commands-count').textContent = commands.approvals.length;
    $('commands').replaceChildren(
      ...(commands.approvals.length
        ? commands.approvals.map(renderCommandApproval)
        : [el('li', { className: 'muted', text: 'No command waits for approval.' })]),
    );
  }

  function renderCommandApproval(approval) {
    const item = el('li', { className: 'action' });
    item.append(
      el('div', { className: 'action-head' }, [
        el('span', { className: `badge level-${String(approval.level).toLowerCase()}`, text: approval.level }),
        el('span', { text: approval.task }),
        el('span', { className: 'muted', text: formatTime(approval.requestedAt) }),
      ]),
      el('pre', { className: 'log', text: approval.command }),
      el('div', { className: 'muted', text: `${approval.rule}: ${approval.reason}` }),
    );
    const approve = el('button', { className: 'primary small', text: 'Approve command', attrs: { type: 'button' } });
    const reject = el('button', { className: 'danger small', text: 'Reject command', attrs: { type: 'button' } });
    const decideCommand = async (verb) => {
      const body = { commandHash: approval.commandHash };
      const by = $('reviewer').value.trim();
      if (by) body.by = by;
      if (verb === 'reject') body.reason = 'rejected from the review page';
      try {
        await api('POST', `/api/commands/${encodeURIComponent(approval.id)}/${verb}`, body);
        notify(`Command ${approval.id} ${verb}d.`, 'success');
      } catch (error) {
        notify(error.message, 'error');
      }
      state.extrasKey = '';
      loadExtras().catch(() => {});
    };
    approve.addEventListener('click', () => decideCommand('approve'));
    reject.addEventListener('click', () => decideCommand('reject'));
    item.append(el('div', { className: 'decision-buttons' }, [approve, reject]));
    return item;
  }

  async function unblock(target, button) {
    button.disabled = true;
    try {
      const result = await api('POST', '/api/unblock', { target, by: $('reviewer').value.trim() || undefined });
      notify(result.outcome.detail || `${target} unblocked`, 'success');
    } catch (error) {
      notify(error.message, 'error');
    } finally {
      button.disabled = false;
      state.extrasKey = '';
      state.listKey = '';
      await refresh(true);
    }
  }

  async function removeAllowlisted(ipOrCidr, button) {
    button.disabled = true;
    try {
      await api('DELETE', '/api/allowlist', { ipOrCidr });
      notify(`${ipOrCidr} removed from the allowlist`, 'success');
    } catch (error) {
      notify(error.message, 'error');
      button.disabled = false;
    }
    state.extrasKey = '';
    await refresh(true);
  }

  function setupForms() {
    $('reviewer').value = localStorage.getItem(REVIEWER_KEY) || '';
    $('approve').addEventListener('click', () => decide('approve'));
    $('reject-form').addEventListener('submit', (event) => {
      event.preventDefault();
      decide('reject');
    });
    $('allowlist-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const ipOrCidr = $('allowlist-ip').value.trim();
      if (!ipOrCidr) {
        notify('Enter an IP address or CIDR.', 'error');
        $('allowlist-ip').focus();
        return;
      }
      try {
        const result = await api('POST', '/api/allowlist', {
          ipOrCidr,
          description: $('allowlist-description').value.trim(),
        });
        notify(`${result.entry.ipOrCidr} allowlisted`, 'success');
        $('allowlist-ip').value = '';
        $('allowlist-description').value = '';
      } catch (error) {
        notify(error.message, 'error');
      }
      state.extrasKey = '';
      await refresh(true);
    });
    $('page-previous').addEventListener('click', () => {
      state.offset = Math.max(0, state.offset - PAGE_SIZE);
      refresh(true);
    });
    $('page-next').addEventListener('click', () => {
      state.offset += PAGE_SIZE;
      refresh(true);
    });
    $('back-to-queue').addEventListener('click', () => {
      const row = document.querySelector(`[data-incident-id="${CSS.escape(String(state.selectedId))}"]`);
      (row || $('incident-list')).focus();
      (row || $('incident-list')).scrollIntoView({ block: 'center' });
    });
  }

  // ---- refresh loop ---------------------------------------------------------------------------------------------

  let refreshing = null;
  async function refresh(force) {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      try {
        await loadQueue();
        await loadDetail(Boolean(force));
        await loadExtras();
        setConnection(true, `live · updated ${formatTime(Date.now()).slice(11)}`);
      } catch (error) {
        setConnection(false, error.status === 401 ? 'token needed' : `offline: ${error.message}`);
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  function schedule() {
    clearInterval(state.timer);
    state.timer = setInterval(() => {
      if (!document.hidden) refresh(false);
    }, POLL_MS);
  }

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refresh(false);
  });

  setupToken();
  setupForms();
  refresh(false);
  schedule();
})();
