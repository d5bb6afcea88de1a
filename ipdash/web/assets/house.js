// Behaviour the pages need that Streamlit has no setting for. Installed once per browser
// tab (Streamlit keeps one document across pages and reruns).
(function () {
  const w = window;
  if (w.__ipdash) { return; }
  w.__ipdash = true;

  // Below this width the sidebar starts collapsed, so the content gets the screen (a
  // tablet held upright). Once per tab: a sidebar the reader opens stays open.
  const NARROW = 1024;
  function collapseSidebarOnNarrowScreens() {
    if (w.innerWidth >= NARROW || w.sessionStorage.getItem('ipd-sidebar-folded')) { return; }
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    if (!button || !sidebar) { setTimeout(collapseSidebarOnNarrowScreens, 100); return; }
    if (sidebar.getBoundingClientRect().width > 0) { button.click(); }
    w.sessionStorage.setItem('ipd-sidebar-folded', '1');
  }
  collapseSidebarOnNarrowScreens();

  // The agency network (figures whose layout.meta.kind is "network", see
  // ipdash/present/network_charts.py): labels that do not fit beside the more central
  // bodies' labels and circles are hidden (the name stays on hover), and hovering a body
  // highlights it with its partners and links while the rest fades.
  const GAP = 2;  // pixels between two labels
  const LEADERS = 10;  // the bodies named on most measures, whose names matter most
  function rect(el) { return el.getBoundingClientRect(); }
  function hits(a, b, gap) {
    return a.left < b.right + gap && b.left < a.right + gap
      && a.top < b.bottom + gap && b.top < a.bottom + gap;
  }
  function inside(a, b) {
    return a.left >= b.left && a.right <= b.right && a.top >= b.top && a.bottom <= b.bottom;
  }
  function traces(gd) {
    return [...gd.querySelectorAll('.scatterlayer .trace')].map(el => {
      const cd = el.__data__;
      return {el, trace: cd && cd[0] && cd[0].trace};
    }).filter(t => t.trace);
  }
  function nodeItems(gd) {
    const items = [];
    traces(gd).forEach(({el, trace}) => {
      const custom = trace.customdata || [];
      if (!custom.length || custom[0][0] !== 'node') { return; }
      const points = el.querySelectorAll('.points path.point');
      const labels = {};
      el.querySelectorAll('.textpoint').forEach(t => { if (t.__data__) { labels[t.__data__.i] = t; } });
      custom.forEach((c, i) => items.push({
        id: c[1], priority: c.length > 3 ? c[3] : i, point: points[i], label: labels[i],
      }));
    });
    return items;
  }
  // Where a label may go around its circle, tried in this order: above (where Plotly
  // draws it), below, right, left. Offsets from the drawn place, in pixels.
  function placements(label, point) {
    const t = rect(label), c = rect(point);
    const r = c.height / 2, h = t.height, half = t.width / 2;
    return [[0, 0], [0, 2 * r + h + 2], [r + half + 4, r + h / 2 + 1], [-(r + half + 4), r + h / 2 + 1]];
  }
  function declutter(gd) {
    const size = gd._fullLayout && gd._fullLayout._size;
    const svg = gd.querySelector('svg.main-svg');
    if (!size || !svg) { return; }
    const box = rect(svg);
    const area = {left: box.left + size.l, right: box.left + size.l + size.w,
                  top: box.top + size.t, bottom: box.top + size.t + size.h};
    unhighlight(gd);  // a redraw after a click starts from the whole network
    const items = nodeItems(gd).filter(it => it.label).sort((a, b) => a.priority - b.priority);
    // Plotly places each label with its text element's own transform: keep it, add ours.
    items.forEach(it => {
      const text = it.label.querySelector('text') || it.label;
      if (text.dataset.ipdBase === undefined) { text.dataset.ipdBase = text.getAttribute('transform') || ''; }
      text.setAttribute('transform', text.dataset.ipdBase);
      it.label.style.visibility = '';
    });
    const circles = items.filter(it => it.point)
      .map(it => ({id: it.id, priority: it.priority, r: rect(it.point)}));
    const kept = [];
    items.forEach(it => {
      const text = it.label.querySelector('text') || it.label;
      const base = rect(text);
      const spots = it.point ? placements(text, it.point) : [[0, 0]];
      const spot = spots.find(([dx, dy]) => {
        const r = {left: base.left + dx, right: base.right + dx, top: base.top + dy, bottom: base.bottom + dy};
        // The most central bodies' names may cross a less central circle (their white
        // halo keeps them readable); no name covers a more central body or another name.
        const blocks = c => c.id !== it.id && (c.priority < it.priority || it.priority >= LEADERS);
        return inside(r, area) && !kept.some(k => hits(r, k, GAP))
          && !circles.some(c => blocks(c) && hits(r, c.r, 0));
      });
      if (!spot) { it.label.style.visibility = 'hidden'; return; }
      const [dx, dy] = spot;
      if (dx || dy) { text.setAttribute('transform', `translate(${dx},${dy}) ${text.dataset.ipdBase}`); }
      kept.push({left: base.left + dx, right: base.right + dx, top: base.top + dy, bottom: base.bottom + dy});
    });
  }
  function highlight(gd, id) {
    const partners = new Set([id]);
    traces(gd).forEach(({trace}) => {
      const e = trace.meta && trace.meta.edge;
      if (e && (e[0] === id || e[1] === id)) { partners.add(e[0]); partners.add(e[1]); }
    });
    traces(gd).forEach(({el, trace}) => {
      const e = trace.meta && trace.meta.edge;
      if (e) { el.style.opacity = (e[0] === id || e[1] === id) ? '1' : '0.07'; }
    });
    nodeItems(gd).forEach(it => {
      const on = partners.has(it.id);
      if (it.point) { it.point.style.opacity = on ? '1' : '0.15'; }
      if (it.label) { it.label.style.opacity = on ? '1' : '0.15'; }
    });
  }
  function unhighlight(gd) {
    traces(gd).forEach(({el, trace}) => { if (trace.meta && trace.meta.edge) { el.style.opacity = ''; } });
    nodeItems(gd).forEach(it => {
      if (it.point) { it.point.style.opacity = ''; }
      if (it.label) { it.label.style.opacity = ''; }
    });
  }
  function bindNetworks() {
    document.querySelectorAll('.js-plotly-plot').forEach(gd => {
      const meta = gd.layout && gd.layout.meta;
      if (!meta || meta.kind !== 'network' || typeof gd.on !== 'function') { return; }
      if (!gd.__ipdBound) {  // once per chart element: a redraw fires plotly_afterplot
        gd.__ipdBound = true;
        gd.classList.add('ipd-network');
        gd.on('plotly_afterplot', () => declutter(gd));
        gd.on('plotly_hover', ev => {
          const p = ev.points && ev.points[0];
          const c = p && p.customdata;
          if (c && c[0] === 'node') { highlight(gd, c[1]); }
        });
        gd.on('plotly_unhover', () => unhighlight(gd));
        declutter(gd);
      }
    });
  }
  setInterval(bindNetworks, 400);

  // Presentation mode (ipdash/web/presenting.py): → / Page Down / space for the next
  // view, ← / Page Up for the previous one, Esc to stop; each view opens at the top.
  const KEYS = {ArrowRight: 'present_next', PageDown: 'present_next', ' ': 'present_next',
                ArrowLeft: 'present_previous', PageUp: 'present_previous',
                Escape: 'present_exit'};
  document.addEventListener('keydown', ev => {
    if (!document.querySelector('.ipd-present-position') || ev.altKey || ev.ctrlKey || ev.metaKey) {
      return;
    }
    const target = ev.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    const key = KEYS[ev.key];
    const button = key && document.querySelector(`.st-key-${key} button`);
    if (button && !button.disabled) { ev.preventDefault(); button.click(); }
  });
  // The Measures page: when another measure is chosen (a row clicked in the table),
  // bring its detail into view; not on the page's first drawing.
  let shownMeasure = null;
  setInterval(() => {
    const anchor = document.querySelector('.ipd-detail-anchor');
    const now = anchor ? anchor.dataset.measure : null;
    if (now && shownMeasure && now !== shownMeasure) {
      anchor.scrollIntoView({behavior: 'smooth', block: 'start'});
    }
    shownMeasure = now;
  }, 200);

  // A body's view opened by a click on the network (below the chart): bring it into
  // view whenever it appears or changes.
  let shownFocus = null;
  setInterval(() => {
    const anchor = document.querySelector('.ipd-focus-anchor');
    const now = anchor ? anchor.dataset.focus : null;
    if (now && now !== shownFocus) {
      anchor.scrollIntoView({behavior: 'smooth', block: 'start'});
    }
    shownFocus = now;
  }, 200);

  let shownView = null;
  function toTop() {
    w.scrollTo(0, 0);
    document.querySelectorAll('*').forEach(el => { if (el.scrollTop > 0) { el.scrollTop = 0; } });
  }
  setInterval(() => {
    const position = document.querySelector('.ipd-present-position');
    const now = position ? position.textContent : null;
    if (now && now !== shownView) { toTop(); }
    shownView = now;
  }, 150);
  w.ipdashDeclutter = declutter;  // for the browser tests
})();
