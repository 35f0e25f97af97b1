// A js-libp2p circuit-relay-v2 hop on loopback, for peer-up's interop tests.
//
//   node relay.mjs [PORT] [--seed HEX64] [--stock-limits]   (or env JS_RELAY_PORT / JS_RELAY_SEED)
//
// Listens on TCP 127.0.0.1:PORT (0 = any free port) with Noise + Yamux, identify, ping and the
// circuit-relay-v2 server (hop). With a 32-byte hex seed the identity is the Ed25519 key derived from it
// (RFC 8032, the same derivation as py-libp2p's ed25519.create_new_key_pair(seed)), so tests can know
// the peer ID in advance; without one the key is random. When listening it prints one JSON line
// {"peer_id", "addrs", "versions"} on stdout. Relay limits are raised far above the 2 min / 128 KiB
// defaults so that 20 MB can be forwarded; --stock-limits keeps js-libp2p's defaults (2 min, 128 KiB
// per relayed connection), as shipped. Exits on stdin EOF, SIGTERM or SIGINT.
import './with-resolvers.mjs'

const { createLibp2p } = await import('libp2p')
const { tcp } = await import('@libp2p/tcp')
const { noise } = await import('@chainsafe/libp2p-noise')
const { yamux } = await import('@chainsafe/libp2p-yamux')
const { identify } = await import('@libp2p/identify')
const { ping } = await import('@libp2p/ping')
const { circuitRelayServer } = await import('@libp2p/circuit-relay-v2')
const { generateKeyPairFromSeed } = await import('@libp2p/crypto/keys')
const { readFileSync } = await import('node:fs')

function parseArgs (argv) {
  const out = { port: process.env.JS_RELAY_PORT ?? '0', seed: process.env.JS_RELAY_SEED ?? '', stock: false }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seed') out.seed = argv[++i] ?? ''
    else if (argv[i] === '--stock-limits') out.stock = true
    else if (argv[i] === '--port') out.port = argv[++i] ?? '0'
    else out.port = argv[i]
  }
  return out
}

const args = parseArgs(process.argv.slice(2))
const port = Number.parseInt(args.port, 10)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`relay.mjs: bad port ${args.port}`)
  process.exit(2)
}
let privateKey
if (args.seed !== '') {
  if (!/^[0-9a-fA-F]{64}$/.test(args.seed)) {
    console.error('relay.mjs: the seed must be 64 hex digits (32 bytes)')
    process.exit(2)
  }
  privateKey = await generateKeyPairFromSeed('Ed25519', Uint8Array.from(Buffer.from(args.seed, 'hex')))
}

const MINUTE = 60 * 1000
const node = await createLibp2p({
  ...(privateKey != null ? { privateKey } : {}),
  addresses: { listen: [`/ip4/127.0.0.1/tcp/${port}`] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionManager: { maxConnections: 1000 },
  services: {
    identify: identify(),
    ping: ping(),
    relay: circuitRelayServer({
      hopTimeout: 30_000,
      maxInboundHopStreams: 256,
      maxOutboundStopStreams: 256,
      reservations: {
        maxReservations: 256,
        reservationTtl: 60 * MINUTE,
        // Limits sent with each reservation and enforced on every relayed connection.
        applyDefaultLimit: true,
        // As shipped (--stock-limits): js-libp2p's own defaults, 2 min and 128 KiB.
        ...(args.stock ? {} : { defaultDurationLimit: 30 * MINUTE, defaultDataLimit: 1n << 30n })
      }
    })
  }
})

// Handlers first: a test may stop us as soon as the ready line is out.
let stopping = false
async function shutdown (code) {
  if (stopping) return
  stopping = true
  const timer = setTimeout(() => process.exit(code), 3000)
  timer.unref()
  try {
    await node.stop()
  } catch (err) {
    console.error('relay.mjs: stop failed', err)
  }
  process.exit(code)
}

process.on('SIGTERM', () => { void shutdown(0) })
process.on('SIGINT', () => { void shutdown(0) })
process.stdin.on('end', () => { void shutdown(0) })
process.stdin.on('error', () => { void shutdown(0) })
process.stdin.resume()

await node.start()

function pkgVersion (name) {
  try {
    const url = new URL(`./node_modules/${name}/package.json`, import.meta.url)
    return JSON.parse(readFileSync(url, 'utf8')).version
  } catch {
    return null
  }
}

const peerId = node.peerId.toString()
const addrs = node.getMultiaddrs().map(ma => ma.toString())
  .filter(a => a.startsWith('/ip4/127.0.0.1/tcp/'))
process.stdout.write(JSON.stringify({
  peer_id: peerId,
  addrs,
  versions: {
    node: process.version,
    libp2p: pkgVersion('libp2p'),
    '@libp2p/circuit-relay-v2': pkgVersion('@libp2p/circuit-relay-v2')
  }
}) + '\n')

