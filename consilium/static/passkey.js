// Passkeys (WebAuthn): a button with data-passkey="add" or "use" asks the browser to make or
// use a key (allauth.mfa's webauthn-json, loaded before this), puts the answer in the form's
// hidden "credential" field and sends the form. The options come from the server as JSON in
// the element named by data-options.
(function () {
  for (const button of document.querySelectorAll('[data-passkey]')) {
    button.addEventListener('click', async function (event) {
      event.preventDefault()
      const form = button.form
      const note = form.querySelector('.passkey-error')
      const options = JSON.parse(document.getElementById(button.dataset.options).textContent)
      try {
        const answer = button.dataset.passkey === 'add'
          ? await window.webauthnJSON.create(options)
          : await window.webauthnJSON.get(options)
        form.querySelector('input[name="credential"]').value = JSON.stringify(answer)
        form.submit()
      } catch (error) {
        if (note) { note.hidden = false }
      }
    })
  }
})()
