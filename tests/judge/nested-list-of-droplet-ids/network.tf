resource "digitalocean_firewall" "fw" {
  name = "fw"
  droplet_ids = [
    [
      digitalocean_droplet.node_1.id,
      digitalocean_droplet.node_2.id,
      digitalocean_droplet.node_3.id,
    ],
  ]

  inbound_rule {
    protocol         = "tcp"
    port_range       = "22"
    source_addresses = ["0.0.0.0/0"]
  }
}
