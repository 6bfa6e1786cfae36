// The browser half of the WebAuthn ceremonies, for forms marked data-webauthn="register" or
// data-webauthn="authenticate". The server sends options as JSON (binary fields in base64url),
// this script turns them into what navigator.credentials expects, and posts the answer back.
// Served as a static file: the pages' Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  function toBytes(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var text = atob(base64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) {
      bytes[i] = text.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) {
      text += String.fromCharCode(bytes[i]);
    }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBinaryIds(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: toBytes(item.id) });
    });
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = withBinaryIds(options.excludeCredentials);
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = withBinaryIds(options.allowCredentials);
    return options;
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var answer = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (credential.authenticatorAttachment) {
      answer.authenticatorAttachment = credential.authenticatorAttachment;
    }
    if (response.attestationObject) {
      answer.response.attestationObject = toBase64url(response.attestationObject);
      if (typeof response.getTransports === "function") {
        answer.response.transports = response.getTransports();
      }
    } else {
      answer.response.authenticatorData = toBase64url(response.authenticatorData);
      answer.response.signature = toBase64url(response.signature);
      if (response.userHandle) {
        answer.response.userHandle = toBase64url(response.userHandle);
      }
    }
    return answer;
  }

  function post(url, body, csrfToken) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken
      },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) {
          return data;
        }
        if (data.reauthenticate) {
          window.location.assign(data.reauthenticate);
        }
        throw new Error(data.error || "");
      });
    });
  }

  function run(form) {
    var status = form.querySelector("[data-webauthn-status]");
    var csrfToken = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var registering = form.dataset.webauthn === "register";
    var name = registering ? form.elements.name.value : "";
    status.textContent = "";
    if (!window.PublicKeyCredential || !navigator.credentials) {
      status.textContent = form.dataset.unsupportedMessage;
      return;
    }
    post(form.dataset.optionsUrl, {}, csrfToken)
      .then(function (options) {
        if (registering) {
          return navigator.credentials.create({ publicKey: creationOptions(options) });
        }
        return navigator.credentials.get({ publicKey: requestOptions(options) });
      })
      .then(function (credential) {
        var body = { credential: credentialJSON(credential) };
        if (registering) {
          body.name = name;
        }
        return post(form.dataset.answerUrl, body, csrfToken);
      })
      .then(function (result) {
        window.location.assign(result.redirect);
      })
      .catch(function (error) {
        var known = error && error.name === "Error" && error.message;
        status.textContent = known ? error.message : form.dataset.errorMessage;
      });
  }

  document.querySelectorAll("form[data-webauthn]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run(form);
    });
  });
})();
