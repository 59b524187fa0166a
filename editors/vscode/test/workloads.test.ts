import './vscodeStub';

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseEndpoint, workloadKey, workloadsFromConnectivity } from '../src/workloads';

describe('workloads from connectivity JSON', () => {
  it('reads the list of {src, dst, conn} and skips IP blocks', () => {
    const json = JSON.stringify([
      { src: '0.0.0.0/0', dst: 'shop/web[Deployment]', conn: 'TCP 80' },
      { src: 'shop/web[Deployment]', dst: 'shop/api[Deployment]', conn: 'TCP 8080' },
      { src: 'shop/api[Deployment]', dst: 'shop/db[StatefulSet]', conn: 'TCP 3306' },
      { src: 'shop/db[StatefulSet]', dst: '10.0.0.0/8', conn: 'All Connections' },
      { src: 'kube-system/coredns[Deployment]', dst: '::/0', conn: 'All Connections' },
    ]);
    const workloads = workloadsFromConnectivity(json);
    assert.deepEqual(workloads.map(workloadKey), ['kube-system/coredns', 'shop/api', 'shop/db', 'shop/web']);
    assert.equal(workloads.find((w) => w.name === 'db')?.kind, 'StatefulSet');
  });

  it('reads objects with endpoints or connections of structured peers', () => {
    const json = JSON.stringify({
      endpoints: [{ namespace: 'shop', name: 'web', kind: 'Deployment' }, { cidr: '0.0.0.0/0' }],
      connections: [{ source: { namespace: 'shop', name: 'api' }, destination: { ipBlock: '1.2.3.0/24' } }],
    });
    assert.deepEqual(workloadsFromConnectivity(json), [
      { namespace: 'shop', name: 'api' },
      { namespace: 'shop', name: 'web', kind: 'Deployment' },
    ]);
  });

  it('is silent on rubbish', () => {
    assert.deepEqual(workloadsFromConnectivity('not json'), []);
    assert.deepEqual(workloadsFromConnectivity('42'), []);
    assert.equal(parseEndpoint('0.0.0.0/0'), undefined);
    assert.equal(parseEndpoint('Not/Valid Name'), undefined);
    assert.deepEqual(parseEndpoint('default/job-1[CronJob]'), { namespace: 'default', name: 'job-1', kind: 'CronJob' });
  });
});
