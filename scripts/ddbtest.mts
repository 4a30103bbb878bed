import { startDynamoDbLocal, localClient, createTable } from '../infra/local/dynamodb-local.js';
const t0 = Date.now();
const ddb = await startDynamoDbLocal();
console.log('ready in', Date.now() - t0, 'ms', ddb.endpoint, ddb.pid);
const c = localClient(ddb.endpoint);
await createTable(c, 'harvest');
console.log('table in', Date.now() - t0);
c.destroy();
if (process.argv[2] === 'stop') { await ddb.stop(); console.log('stopped'); }
else if (process.argv[2] === 'crash') { throw new Error('boom'); }
else if (process.argv[2] === 'hang') setInterval(() => {}, 1000); else process.exit(0);
