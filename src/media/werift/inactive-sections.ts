// werift writes an inactive m-section with port 0, which in SDP means rejected. A recycled subscribe slot is only
// paused: rejected, it would be stopped for good at the receiver, and when it is the BUNDLE group's first
// section Chromium refuses the whole offer ("The m= section with mid='2' should be rejected"). Inactive sections
// keep the discard port 9, as browsers write them.

/** The offer with every `a=inactive` m-section that werift marked rejected (port 0) given port 9. */
export function keepInactiveSections(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const parts = sdp.split(/\r?\n(?=m=)/);
  return parts
    .map((section, i) => {
      if (i === 0 || !/^m=\S+ 0 /.test(section)) return section;
      const lines = section.split(/\r?\n/);
      if (!lines.includes('a=inactive') || lines.includes('a=bundle-only')) return section;
      return section.replace(/^(m=\S+) 0 /, '$1 9 ');
    })
    .join(eol);
}
