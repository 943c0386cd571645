const { NodeIO } = require('@gltf-transform/core');
const fs=require('fs');
const buf=fs.readFileSync(process.argv[2]);
const len=buf.readUInt32LE(12);const json=JSON.parse(buf.subarray(20,20+len).toString());
console.log(JSON.stringify({nodes:json.nodes.map(n=>({name:n.name,mesh:n.mesh,skin:n.skin,children:n.children})),skins:json.skins,meshes:json.meshes,anims:(json.animations||[]).map(a=>a.name),ext:json.extensionsUsed,materials:json.materials}, null, 0));
