// addr.js - address text: MAC aa:bb:cc:dd:ee:ff, IPv4 dotted, IPv6 in RFC 5952
// form (as inet_ntop and flowtap's JSON write it).
"use strict";

const HEX2 = [];
for (let i = 0; i < 256; i++) HEX2.push((i < 16 ? "0" : "") + i.toString(16));

function mac(b, o) {
    return HEX2[b[o]] + ":" + HEX2[b[o + 1]] + ":" + HEX2[b[o + 2]] + ":" +
        HEX2[b[o + 3]] + ":" + HEX2[b[o + 4]] + ":" + HEX2[b[o + 5]];
}

function ipv4(b, o) {
    return b[o] + "." + b[o + 1] + "." + b[o + 2] + "." + b[o + 3];
}

function ipv6(b, o) {
    const w = new Array(8);
    for (let i = 0; i < 8; i++) w[i] = (b[o + 2 * i] << 8) | b[o + 2 * i + 1];
    // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d, deprecated),
    // as inet_ntop and flowtap's JSON (core/fmt.h) print them.
    if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0) {
        if (w[5] === 0xffff) return "::ffff:" + ipv4(b, o + 12);
        if (w[5] === 0 && w[6] !== 0) return "::" + ipv4(b, o + 12);
    }
    // The longest run of two or more zero words becomes "::" (the first such run on a tie).
    let best = -1, bestLen = 0;
    for (let i = 0; i < 8;) {
        if (w[i] !== 0) { i++; continue; }
        let j = i;
        while (j < 8 && w[j] === 0) j++;
        if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
        i = j;
    }
    let s = "";
    for (let i = 0; i < 8; i++) {
        if (i === best) {
            s += "::";
            i += bestLen - 1;
            continue;
        }
        if (s.length && !s.endsWith(":")) s += ":";
        s += w[i].toString(16);
    }
    return s;
}

module.exports = { mac, ipv4, ipv6 };
