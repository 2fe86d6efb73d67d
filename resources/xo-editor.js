/* Editor helpers shared by the package's nodes (loaded once by each node's HTML; defines window.XoEditor). */
;(function () {
  if (window.XoEditor) return

  /** GET from a deployed xo-server node, or POST the unsaved values of one that is new or edited. */
  function lookup(serverId, what, query) {
    var server = RED.nodes.node(serverId)
    if (!server) return $.Deferred().reject({ responseJSON: { error: 'no XO server selected' } })
    query = query || {}
    if (!server.changed) {
      var path = what === 'method' ? 'methods/' + encodeURIComponent(query.name) : what === 'objects' ? 'objects' : 'methods'
      return $.getJSON('xo-server/' + encodeURIComponent(serverId) + '/' + path, what === 'objects' ? query : undefined)
    }
    var body = $.extend({ id: serverId, url: server.url, authMethod: server.authMethod, ca: server.ca, allowSelfSigned: server.allowSelfSigned }, query)
    var creds = server.credentials || {}
    ;['token', 'email', 'password'].forEach(function (k) {
      if (creds[k] !== undefined && creds[k] !== '') body[k] = creds[k]
    })
    if (creds.has_token && !body.token) body.token = '__PWRD__'
    if (creds.has_password && !body.password) body.password = '__PWRD__'
    return $.ajax({
      url: 'xo-server/lookup/' + (what === 'objects' ? 'objects' : 'methods'),
      method: 'POST',
      contentType: 'application/json',
      data: JSON.stringify(body),
      dataType: 'json',
    })
  }

  function failure(xhr) {
    return (xhr && xhr.responseJSON && xhr.responseJSON.error) || (xhr && xhr.statusText) || 'unavailable'
  }

  /**
   * A search box listing XO objects of one type by name, under `container`; `onPick(object)` gets the clicked
   * one ({id, name, type, pool, powerState}). Toggles: a second call on the same container closes it.
   */
  function objectPicker(container, options) {
    var picker = container.children('.xo-object-picker')
    if (picker.length) return void picker.remove()
    picker = $('<div class="xo-object-picker" style="margin-top:4px">').appendTo(container)
    var search = $('<input type="text" style="width:100%">').attr('placeholder', options.placeholder || '').appendTo(picker)
    var list = $('<div style="max-height:150px; overflow:auto; font-size:0.9em">').appendTo(picker)
    var run = function () {
      lookup(options.server(), 'objects', { type: options.type(), q: search.val() })
        .done(function (data) {
          list.empty()
          var objects = data.objects || []
          objects.forEach(function (o) {
            $('<div class="red-ui-search-result" style="cursor:pointer; padding:2px 4px">')
              .text(o.name + (o.pool ? ' (' + o.pool + ')' : '') + (o.powerState ? ' · ' + o.powerState : ''))
              .attr('title', o.id)
              .on('click', function () {
                options.onPick(o)
                picker.remove()
              })
              .appendTo(list)
          })
          if (!objects.length) list.text(options.nothing || '—')
        })
        .fail(function (xhr) {
          list.text(failure(xhr))
        })
    }
    search.on('keyup', function () {
      clearTimeout(search.data('timer'))
      search.data('timer', setTimeout(run, 250))
    })
    run()
    search.focus()
  }

  /** The id of the only xo-server configuration node, when there is exactly one. */
  function onlyServer() {
    var ids = []
    RED.nodes.eachConfig(function (n) {
      if (n.type === 'xo-server') ids.push(n.id)
    })
    return ids.length === 1 ? ids[0] : undefined
  }

  /**
   * A node dropped from the palette uses the only XO server there is (`onadd`); its dialog selects it too when the
   * node has none yet (`oneditprepare`).
   */
  function useOnlyServer(node, select) {
    var only = onlyServer()
    if (!only) return
    if (!node.server) node.server = only
    if (select && !select.val()) select.val(only).trigger('change')
  }

  /** A `validate` for `<name>Env`: valid when it names a variable, or when the credential `<name>` is set. */
  function secretOrEnv(name) {
    return function (value) {
      var creds = this.credentials || {}
      return !!(value && String(value).trim()) || !!creds['has_' + name] || !!creds[name]
    }
  }

  window.XoEditor = { lookup: lookup, failure: failure, objectPicker: objectPicker, useOnlyServer: useOnlyServer, secretOrEnv: secretOrEnv }
})()
