// What a payload would leave in a page if it were ever parsed as markup: elements our own code never creates, event
// handler attributes, script-capable URLs. Runs inside the browser (page.evaluate), so it is self-contained.

export interface DomAuditOptions {
  /** HTML tag names the page's own markup and code create. */
  allowedTags: string[];
  /** A selector the page's own SVG lives in (the review page's chart); SVG anywhere else is foreign. */
  svgInside?: string;
  /** `tag attribute=value` triples the page itself carries (the stylesheet link, the app script). */
  allowedUrls: string[];
}

export function auditDom(options: DomAuditOptions): string[] {
  const HTML = 'http://www.w3.org/1999/xhtml';
  const SVG = 'http://www.w3.org/2000/svg';
  const URL_ATTRIBUTES =
    /^(href|src|action|formaction|xlink:href|srcdoc|data|poster|background|codebase|dynsrc|lowsrc)$/i;
  const allowed = new Set(options.allowedTags);
  const allowedUrls = new Set(options.allowedUrls);
  const problems: string[] = [];
  for (const node of Array.from(document.querySelectorAll('*'))) {
    const tag = node.localName;
    if (node.namespaceURI === SVG) {
      if (!options.svgInside || !node.closest(options.svgInside)) problems.push(`svg <${tag}> outside the chart`);
    } else if (node.namespaceURI !== HTML) {
      problems.push(`<${tag}> in namespace ${node.namespaceURI}`);
    } else if (!allowed.has(tag) || node instanceof HTMLUnknownElement) {
      problems.push(`element <${tag}>`);
    }
    for (const attribute of Array.from(node.attributes)) {
      if (/^on/i.test(attribute.name)) problems.push(`<${tag} ${attribute.name}>`);
      if (URL_ATTRIBUTES.test(attribute.name) && !allowedUrls.has(`${tag} ${attribute.name}=${attribute.value}`)) {
        problems.push(`<${tag} ${attribute.name}="${attribute.value.slice(0, 60)}">`);
      }
      if (attribute.name === 'style' || attribute.name === 'srcset') problems.push(`<${tag} ${attribute.name}>`);
    }
  }
  return problems;
}
