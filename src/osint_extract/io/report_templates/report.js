/* osint-extract review report: the who-controls-what table, the documents table and the
   network view, drawn from the JSON block the page carries. Every value from the run is put
   into the page as text (textContent, vis-network string titles), never as HTML, so a
   document or a name holding markup shows as that markup's text. Tables render one page of
   rows at a time, so filtering stays fast with thousands of rows. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var LABEL_COLORS = data.label_colors;
  var SYMMETRIC = data.symmetric;
  var RELATION_COLORS = data.relation_colors;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        if (key === "text") node.textContent = attrs[key];
        else if (key === "className") node.className = attrs[key];
        else node.setAttribute(key, attrs[key]);
      });
    }
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function labelChip(label) {
    return el("span", { className: "label", text: label, style: "background:" + (LABEL_COLORS[label] || "#ddd") });
  }

  /* A sortable, filterable table that renders one page of rows. `columns`: {title, key (row
     -> sort value), num}; `render(row)` builds a <tr>; `matches(row)` is the filter. */
  function PagedTable(root, columns, rows, render, pageSize) {
    this.root = root;
    this.columns = columns;
    this.rows = rows;
    this.render = render;
    this.pageSize = pageSize;
    this.page = 0;
    this.sortColumn = null;
    this.sortDir = 1;
    this.matches = function () { return true; };
    this.visible = rows.slice();
    var self = this;
    var head = el("tr");
    columns.forEach(function (col, i) {
      var th = el("th", { text: col.title, className: (col.key ? "sortable " : "") + (col.num ? "num" : "") });
      if (col.key) th.addEventListener("click", function () { self.sortBy(i); });
      head.appendChild(th);
    });
    this.headers = head.children;
    this.tbody = el("tbody");
    root.querySelector("table").appendChild(el("thead", null, [head]));
    root.querySelector("table").appendChild(this.tbody);
    this.count = root.querySelector(".count");
    this.pageInfo = root.querySelector(".page-info");
    this.prev = root.querySelector("button.prev");
    this.next = root.querySelector("button.next");
    this.prev.addEventListener("click", function () { self.go(self.page - 1); });
    this.next.addEventListener("click", function () { self.go(self.page + 1); });
    var size = root.querySelector("select.page-size");
    if (size) size.addEventListener("change", function () { self.pageSize = Number(size.value); self.go(0); });
    this.refresh();
  }
  PagedTable.prototype.sortBy = function (i) {
    this.sortDir = this.sortColumn === i ? -this.sortDir : (this.columns[i].num ? -1 : 1);
    this.sortColumn = i;
    for (var k = 0; k < this.headers.length; k++) this.headers[k].classList.remove("asc", "desc");
    this.headers[i].classList.add(this.sortDir > 0 ? "asc" : "desc");
    this.refresh();
  };
  PagedTable.prototype.refresh = function () {
    var self = this;
    this.visible = this.rows.filter(this.matches);
    if (this.sortColumn !== null) {
      var key = this.columns[this.sortColumn].key, dir = this.sortDir;
      this.visible.sort(function (a, b) {
        var x = key(a), y = key(b);
        return (x < y ? -1 : x > y ? 1 : 0) * dir;
      });
    }
    this.go(0);
    this.count.textContent = this.visible.length + " of " + this.rows.length;
    this.root.setAttribute("data-shown", String(this.visible.length));
    return self.visible.length;
  };
  PagedTable.prototype.go = function (page) {
    var pages = Math.max(1, Math.ceil(this.visible.length / this.pageSize));
    this.page = Math.min(Math.max(page, 0), pages - 1);
    var start = this.page * this.pageSize;
    var fragment = document.createDocumentFragment();
    var slice = this.visible.slice(start, start + this.pageSize);
    for (var i = 0; i < slice.length; i++) fragment.appendChild(this.render(slice[i]));
    this.tbody.replaceChildren(fragment);
    this.pageInfo.textContent = "page " + (this.page + 1) + " of " + pages;
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
  };

  /* ---- who controls what ---- */
  // row: [controller, controller_id, controller_label, relation, controlled, controlled_id,
  //       controlled_label, documents, mentions, confidence, [[doc_id, sentence, href], ...]]
  var entities = data.entities;
  data.controls.forEach(function (row) {
    var names = [row[0], row[4]];
    [row[1], row[5]].forEach(function (id) { if (entities[id]) names = names.concat(entities[id][2]); });
    row.search = names.join("\n").toLowerCase();
  });

  function actorCell(name, id, label) {
    return el("td", { "data-id": id }, [el("span", { className: "actor", text: name }), labelChip(label)]);
  }

  function renderControl(row) {
    var evidence = el("td");
    row[10].forEach(function (ev) {
      evidence.appendChild(el("div", { className: "ev" }, [el("a", { href: ev[2], text: ev[0] }), ev[1]]));
    });
    var tr = el("tr", { className: "control-row", "data-controller-id": row[1], "data-controlled-id": row[5] }, [
      actorCell(row[0], row[1], row[2]),
      el("td", { className: "rel", text: row[3] }),
      actorCell(row[4], row[5], row[6]),
      el("td", { className: "num", text: String(row[7]) }),
      el("td", { className: "num", text: String(row[8]) }),
      el("td", { className: "num", text: row[9].toFixed(2) }),
      evidence,
    ]);
    return tr;
  }

  var controlsRoot = document.getElementById("controls");
  var controls = new PagedTable(controlsRoot, [
    { title: "Controller", key: function (r) { return r[0].toLowerCase(); } },
    { title: "Relation", key: function (r) { return r[3]; } },
    { title: "Controlled", key: function (r) { return r[4].toLowerCase(); } },
    { title: "Documents", key: function (r) { return r[7]; }, num: true },
    { title: "Mentions", key: function (r) { return r[8]; }, num: true },
    { title: "Confidence", key: function (r) { return r[9]; }, num: true },
    { title: "Evidence" },
  ], data.controls, renderControl, 50);

  var actorInput = controlsRoot.querySelector("input.actor-filter");
  var labelSelect = controlsRoot.querySelector("select.label-filter");
  var relationSelect = controlsRoot.querySelector("select.relation-filter");
  function filterControls() {
    var actor = actorInput.value.trim().toLowerCase();
    var label = labelSelect.value, relation = relationSelect.value;
    controls.matches = function (r) {
      return (!actor || r.search.indexOf(actor) !== -1) &&
        (!label || r[2] === label || r[6] === label) &&
        (!relation || r[3] === relation);
    };
    return controls.refresh();
  }
  actorInput.addEventListener("input", filterControls);
  labelSelect.addEventListener("change", filterControls);
  relationSelect.addEventListener("change", filterControls);

  /* ---- documents ---- */
  // row: [doc_id, href, mentions, entities, relations]
  var docsRoot = document.getElementById("documents");
  var docs = new PagedTable(docsRoot, [
    { title: "Document", key: function (r) { return r[0]; } },
    { title: "Mentions", key: function (r) { return r[2]; }, num: true },
    { title: "Entities", key: function (r) { return r[3]; }, num: true },
    { title: "Relations", key: function (r) { return r[4]; }, num: true },
  ], data.documents, function (r) {
    return el("tr", { className: "doc-row" }, [
      el("td", null, [el("a", { href: r[1], text: r[0] })]),
      el("td", { className: "num", text: String(r[2]) }),
      el("td", { className: "num", text: String(r[3]) }),
      el("td", { className: "num", text: String(r[4]) }),
    ]);
  }, 50);
  var docInput = docsRoot.querySelector("input.doc-filter");
  docInput.addEventListener("input", function () {
    var q = docInput.value.trim().toLowerCase();
    docs.matches = function (r) { return !q || r[0].toLowerCase().indexOf(q) !== -1; };
    docs.refresh();
  });

  /* ---- network of actors and places ---- */
  var network = null;
  var container = document.getElementById("network");
  if (window.vis && data.network.edges.length) {
    var used = {};
    data.network.edges.forEach(function (e) { used[e[0]] = true; used[e[1]] = true; });
    var nodes = new vis.DataSet(Object.keys(used).map(function (id) {
      var e = entities[id];
      var lines = [e[0] + " (" + e[1] + ")", e[4] + " mentions in " + e[3] + " documents"];
      if (e[2].length) lines.push("also: " + e[2].join(", "));
      return { id: id, label: e[0], group: e[1], value: e[4], title: lines.join("\n") };
    }));
    var edges = new vis.DataSet(data.network.edges.map(function (e, i) {
      return {
        id: i, from: e[0], to: e[1], value: e[3], color: { color: RELATION_COLORS[e[2]] || "#8892a6", opacity: 0.8 },
        arrows: SYMMETRIC.indexOf(e[2]) === -1 ? "to" : "",
        dashes: e[2] === "FIGHTS",
        title: e[2] + ": " + e[3] + " documents, confidence " + e[4].toFixed(2),
      };
    }));
    var groups = {};
    Object.keys(LABEL_COLORS).forEach(function (label) {
      groups[label] = { color: { background: LABEL_COLORS[label], border: "#555" }, shape: label === "PLACE" ? "square" : "dot" };
    });
    network = new vis.Network(container, { nodes: nodes, edges: edges }, {
      groups: groups,
      nodes: { scaling: { min: 8, max: 30, label: { enabled: true, min: 12, max: 28, drawThreshold: 4, maxVisible: 28 } }, font: { size: 13 } },
      edges: { scaling: { min: 1, max: 8 }, smooth: false },
      layout: { improvedLayout: nodes.length <= 150, randomSeed: 7 },
      physics: { solver: "forceAtlas2Based", stabilization: { iterations: 250 } },
      interaction: { hover: true, tooltipDelay: 150 },
    });
    network.once("stabilizationIterationsDone", function () { network.setOptions({ physics: false }); });
    network.on("selectNode", function (params) {
      actorInput.value = entities[params.nodes[0]][0];
      filterControls();
      controlsRoot.scrollIntoView();
    });
    window.osintReport = { network: network, nodes: nodes, edges: edges };
  } else {
    container.textContent = "No relations between entities in this run.";
    container.style.height = "auto";
    window.osintReport = { network: null };
  }
  window.osintReport.controls = controls;
  window.osintReport.documents = docs;
  window.osintReport.filterControls = filterControls;
  window.osintReport.readyAt = performance.now();
})();
