#!/usr/bin/env node
// Prints a live query's snapshot and then every change, as they happen.
//   node scripts/live.js <user> <password> "SELECT * FROM app.messages" [ws://127.0.0.1:8080/v1/ws]
// Needs Debian's node-ws (make run installs it).
'use strict';
module.paths.push('/usr/share/nodejs');
const WebSocket = require('ws');

const [user, password, sql, url = 'ws://127.0.0.1:8080/v1/ws'] = process.argv.slice(2);
if (!sql) {
  console.error('usage: node scripts/live.js <user> <password> "<SELECT …>" [ws-url]');
  process.exit(2);
}
const socket = new WebSocket(url);
socket.on('open', () => {
  socket.send(JSON.stringify({type: 'authenticate', method: 'basic', username: user, password}));
});
socket.on('message', (data) => {
  const message = JSON.parse(data.toString());
  if (message.type === 'auth_success') {
    socket.send(JSON.stringify({type: 'subscribe', subscription: {id: 'cli', sql}}));
  } else if (message.type === 'initial_data_batch') {
    for (const row of message.rows) console.log('snapshot', JSON.stringify(row));
    if (message.batch_control.has_more) {
      socket.send(JSON.stringify({type: 'next_batch', subscription_id: 'cli'}));
    } else {
      console.log('-- live: waiting for changes (Ctrl-C to stop)');
    }
  } else if (message.type === 'change') {
    for (const row of message.rows || []) console.log(message.change_type, JSON.stringify(row));
    if (message.change_type === 'delete') {
      for (const row of message.old_values) console.log('delete', JSON.stringify(row));
    }
  } else if (message.type === 'error' || message.type === 'auth_error') {
    console.error(message.type, message.code || '', message.message);
  }
});
socket.on('close', (code, reason) => {
  console.log(`-- closed ${code} ${reason}`);
  process.exit(code === 1000 || code === 1005 ? 0 : 1);
});
