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
})();
