// The demo page's products, demo customers and sample questions, read from the shop's own store
// (GET /demo/storefront). Text only ever reaches the page through textContent.
(() => {
  'use strict';

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  function askInChat(question) {
    const button = el('button', { type: 'button', class: 'try-question', text: question });
    button.addEventListener('click', () => {
      if (window.ChatAgent) {
        window.ChatAgent.open();
        window.ChatAgent.send(question);
      }
    });
    return button;
  }

  async function load() {
    const products = document.querySelector('[data-storefront-products]');
    const customers = document.querySelector('[data-storefront-customers]');
    const questions = document.querySelector('[data-storefront-questions]');
    let data;
    try {
      const response = await fetch('/demo/storefront', { headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      data = await response.json();
    } catch (error) {
      if (products) products.replaceChildren(el('li', { class: 'product-loading', text: 'The catalogue could not be loaded.' }));
      return;
    }

    if (products) {
      products.replaceChildren(...(data.products.length ? data.products.map((p) => el('li', { class: 'product' },
        el('div', { class: 'product-body' },
          el('h3', {}, el('a', { href: p.url, text: p.name })),
          el('p', { text: p.options || p.category || '' }),
          el('div', { class: 'product-foot' },
            el('span', { class: 'price', text: p.price }),
            el('span', { class: 'stock', text: p.inStock ? 'In stock' : 'Out of stock' }))))) :
        [el('li', { class: 'product-loading', text: 'No products in the store yet.' })]));
    }
    if (customers) {
      customers.replaceChildren(...(data.customers.length ? data.customers.map((c) => el('li', {},
        el('strong', { text: c.name }), ` — ${c.email} (zip ${c.zip}); order ${c.orderId}, ${c.orderStatus.toLowerCase()}`)) :
        [el('li', { text: 'No demo customers in this store (set Shop:SeedDemoData to generate some).' })]));
    }
    if (questions) {
      questions.replaceChildren(...data.questions.map((q) => el('li', {}, askInChat(q))));
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', load);
  else load();
})();
