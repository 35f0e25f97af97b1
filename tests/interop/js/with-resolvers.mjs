// Promise.withResolvers (ES2024) is used by js-libp2p 3.x but only exists from Node 22 on.
// relay.mjs imports this module first, so it also runs unchanged on Node 20.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve, reject
    const promise = new this((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
