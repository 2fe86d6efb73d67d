/**
 * The shared test utilities, and the check that a run really uses the Node-RED it was meant to: `.ci/run` sets
 * EXPECT_NODE_RED_MAJOR (4 for `npm test`, 5 for the Node 22 run with NODE_RED_PATH).
 */
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import type { NodeAPI, Node, NodeDef } from 'node-red'
import {
  initHelper,
  nodeRedPath,
  nodeRedVersion,
  selfSignedCertificate,
  waitFor,
  waitForCall,
  waitForEvent,
} from './node-red'

describe('test support', () => {
  describe('Node-RED under test', () => {
    it(`is Node-RED ${nodeRedVersion()} from ${nodeRedPath()}, on Node ${process.version}`, () => {
      const expected = process.env.EXPECT_NODE_RED_MAJOR
      if (expected) assert.equal(nodeRedVersion().split('.')[0], expected, 'EXPECT_NODE_RED_MAJOR')
      if (process.env.NODE_RED_PATH) {
        assert.ok(require.resolve(nodeRedPath()).startsWith(nodeRedPath()), 'NODE_RED_PATH is the package directory')
      }
    })

    it('is the one node-red-node-test-helper runs', () => {
      const helper = initHelper()
      assert.equal(initHelper(), helper, 'initialised once')
      assert.ok(helper._RED.version().startsWith(nodeRedVersion()), `${helper._RED.version()} vs ${nodeRedVersion()}`)
    })

    describe('waitForCall on a node of the helper', () => {
      const helper = initHelper()
      const testNode = (RED: NodeAPI) => {
        RED.nodes.registerType('support-test', function (this: Node, config: NodeDef) {
          RED.nodes.createNode(this, config)
          this.status({ text: 'first' })
          // The second status comes later, the way a connection's does.
          const timer = setTimeout(() => this.status({ fill: 'green', shape: 'dot', text: 'second' }), 30)
          this.on('close', () => clearTimeout(timer))
        })
      }
      beforeEach(() => helper.startServer())
      afterEach(async () => {
        await helper.unload()
        await helper.stopServer()
      })

      it('sees a status set while loading and one set later', async () => {
        await helper.load(testNode, [
          { id: 'n1', type: 'support-test' },
          { id: 'n2', type: 'support-test' },
        ])
        const n1 = helper.getNode('n1')
        assert.deepEqual(await waitForCall(n1, 'status', (s) => s.text === 'first', 1000), [{ text: 'first' }])
        const [status] = await waitForCall(n1, 'status', (s) => s.text === 'second', 1000)
        assert.deepEqual(status, { fill: 'green', shape: 'dot', text: 'second' })
      })

      it("waits for a node's input and leaves no input handler behind", async () => {
        await helper.load(testNode, [
          { id: 'n1', type: 'support-test', wires: [['h1']] },
          { id: 'h1', type: 'helper' },
        ])
        const h1 = helper.getNode('h1')
        const next = waitForEvent<[{ payload: number }]>(h1, 'input', 1000, (msg) => msg.payload === 2)
        helper.getNode('n1').send({ payload: 1 })
        helper.getNode('n1').send({ payload: 2 })
        assert.equal((await next)[0].payload, 2)
        // Node-RED keeps input handlers apart from EventEmitter's listeners.
        assert.equal(h1._inputCallback, null)
        assert.ok(!h1._inputCallbacks?.length)
      })

      it('times out with what it waited for', async () => {
        await helper.load(testNode, [{ id: 'n1', type: 'support-test' }])
        await assert.rejects(
          waitForCall(helper.getNode('n1'), 'status', (s) => s.text === 'never', 100),
          /timed out after 100 ms waiting for status\(\) on node n1/,
        )
      })
    })
  })

  describe('selfSignedCertificate', () => {
    it('makes a certificate for 127.0.0.1 that a client trusting it accepts, once per process', async () => {
      const pair = selfSignedCertificate()
      assert.match(pair.key, /-----BEGIN PRIVATE KEY-----/)
      assert.match(pair.cert, /-----BEGIN CERTIFICATE-----/)
      assert.equal(selfSignedCertificate(), pair)

      const server = https.createServer(pair, (_req, res) => res.end('ok'))
      server.listen(0, '127.0.0.1')
      await waitForEvent(server, 'listening', 2000)
      try {
        const { port } = server.address() as AddressInfo
        const body = await new Promise<string>((resolve, reject) => {
          https
            .get({ host: '127.0.0.1', port, ca: pair.cert, agent: false }, (res) => {
              let data = ''
              res.on('data', (chunk) => (data += chunk))
              res.on('end', () => resolve(data))
            })
            .on('error', reject)
        })
        assert.equal(body, 'ok')
        // ... and one that does not trust it refuses it: it really is self-signed.
        await assert.rejects(
          new Promise((resolve, reject) =>
            https.get({ host: '127.0.0.1', port, agent: false }, resolve).on('error', reject),
          ),
          /self[- ]signed/,
        )
      } finally {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
    })
  })

  describe('waitFor', () => {
    it('resolves with the first truthy value', async () => {
      let n = 0
      assert.equal(await waitFor(() => (++n >= 3 ? `n=${n}` : undefined), { intervalMs: 1 }), 'n=3')
    })

    it('accepts async predicates and retries those that throw', async () => {
      let n = 0
      const value = await waitFor(
        async () => {
          if (++n < 3) throw new Error('not yet')
          return n
        },
        { intervalMs: 1 },
      )
      assert.equal(value, 3)
    })

    it('times out with what it waited for and the last error', async () => {
      await assert.rejects(
        waitFor(
          () => {
            throw new Error('still down')
          },
          { timeoutMs: 50, what: 'the server' },
        ),
        /timed out after 50 ms waiting for the server; last error: still down/,
      )
    })
  })

  describe('waitForEvent', () => {
    it('resolves with the arguments of the first matching event, even when events come in a row', async () => {
      const emitter = new EventEmitter()
      const waiting = waitForEvent<[number, string]>(emitter, 'tick', 1000, (n) => n === 2)
      emitter.emit('tick', 1, 'a')
      emitter.emit('tick', 2, 'b')
      assert.deepEqual(await waiting, [2, 'b'])
      assert.equal(emitter.listenerCount('tick'), 0)
      assert.equal(emitter.listenerCount('error'), 0)
    })

    it("rejects on the emitter's error event", async () => {
      const emitter = new EventEmitter()
      const waiting = waitForEvent(emitter, 'tick', 1000)
      emitter.emit('error', new Error('boom'))
      await assert.rejects(waiting, /boom/)
    })

    it('times out', async () => {
      await assert.rejects(waitForEvent(new EventEmitter(), 'tick', 20), /timed out after 20 ms waiting for event tick/)
    })
  })
})
