import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { App } from '../src/App.js';

describe('dashboard shell', () => {
  it('renders its heading and says plainly that it is not built yet', () => {
    const html = renderToStaticMarkup(createElement(App));
    expect(html).toContain('<h1>Warden</h1>');
    expect(html).toContain('not built yet');
  });
});
